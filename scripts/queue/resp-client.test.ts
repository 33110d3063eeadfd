/** The RESP2 parser of our BullMQ Redis client: replies split across TCP chunks, nesting, nulls, errors. */
import { describe, expect, it } from 'vitest';
import { RespParser } from './resp-client.js';

describe('RespParser', () => {
  it('parses every reply type, also when a reply arrives byte by byte', () => {
    const wire = Buffer.from(
      '+OK\r\n-ERR boom\r\n:42\r\n$-1\r\n$4\r\nh\u00e9l\r\n*2\r\n*1\r\n$1\r\na\r\n:7\r\n*-1\r\n$0\r\n\r\n',
    );
    const whole = new RespParser().push(wire);
    const p = new RespParser();
    const bytes = [...wire].flatMap((b) => p.push(Buffer.from([b])));
    for (const got of [whole, bytes]) {
      expect(got).toHaveLength(8);
      expect(got[0]).toBe('OK');
      expect(got[1]).toBeInstanceOf(Error);
      expect((got[1] as Error).message).toBe('ERR boom');
      expect(got.slice(2)).toEqual([42, null, 'h\u00e9l', [['a'], 7], null, '']);
    }
  });
});
