import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));

/** `../shared/reference/data/<name>` of the workspace, or null when this checkout has no shared/ folder. */
export function sharedData<T>(name: string): T | null {
  const file = path.resolve(here, '../../../../shared/reference/data', name);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as T) : null;
}

export function fixture<T>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(here, 'fixtures', name), 'utf8')) as T;
}

/** Relative-or-absolute closeness of two metric values (null must match null). */
export function expectClose(actual: number | null, expected: number | null, rel = 1e-12, label = ''): void {
  if (expected === null) {
    expect(actual, label).toBeNull();
    return;
  }
  expect(actual, label).not.toBeNull();
  const tol = rel * Math.max(1, Math.abs(expected));
  expect(Math.abs((actual as number) - expected), `${label}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tol);
}

/** Compares every numeric field of two region records. */
export function expectRegion(actual: object, expected: Record<string, number | null>, rel = 1e-12, label = ''): void {
  for (const [k, v] of Object.entries(expected)) {
    expectClose((actual as Record<string, number | null>)[k], v, rel, `${label}.${k}`);
  }
}

/** n labels repeated: `rep(10, 3)` = [10, 10, 10]. */
export const rep = (value: number, times: number): number[] => new Array(times).fill(value);
