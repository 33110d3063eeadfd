/**
 * Progress of a training run: a cli-progress bar per epoch on a TTY (loss, σ², lr, images/s, ETA),
 * plain periodic lines otherwise (CI logs, files).
 */
import cliProgress from 'cli-progress';

export interface StepStatus {
  loss: number;
  sigma2: number | null;
  lr: number;
  imagesPerSecond: number;
}

export interface Reporter {
  info(line: string): void;
  /** `show` = false: a quiet epoch (e.g. the thousands of synthetic-1d epochs between evaluations) */
  startEpoch(epoch: number, epochs: number, steps: number, done: number, show: boolean): void;
  step(done: number, s: StepStatus): void;
  endEpoch(): void;
  close(): void;
}

const fmt = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4));

export function statusText(s: StepStatus): string {
  const sigma = s.sigma2 == null ? '' : ` σ² ${fmt(s.sigma2)}`;
  return `loss ${fmt(s.loss)}${sigma} lr ${s.lr.toExponential(2)} ${s.imagesPerSecond.toFixed(1)} samples/s`;
}

/** Plain lines: one every `every` steps and at the end of each shown epoch. */
export class LineReporter implements Reporter {
  private epoch = 0;
  private epochs = 0;
  private steps = 0;
  private show = true;
  private last: StepStatus | null = null;
  private lastDone = 0;

  constructor(
    private readonly every: number,
    private readonly write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  ) {}

  info(line: string): void {
    this.write(line);
  }

  startEpoch(epoch: number, epochs: number, steps: number, _done: number, show: boolean): void {
    Object.assign(this, { epoch, epochs, steps, show, last: null });
  }

  step(done: number, s: StepStatus): void {
    this.last = s;
    this.lastDone = done;
    if (this.show && (done % this.every === 0 || done === this.steps) && done !== this.steps)
      this.write(`epoch ${this.epoch + 1}/${this.epochs} step ${done}/${this.steps} ${statusText(s)}`);
  }

  endEpoch(): void {
    if (this.show && this.last)
      this.write(`epoch ${this.epoch + 1}/${this.epochs} step ${this.lastDone}/${this.steps} ${statusText(this.last)}`);
  }

  close(): void {}
}

/** A cli-progress bar per shown epoch. */
export class BarReporter implements Reporter {
  private bar: cliProgress.SingleBar | null = null;

  info(line: string): void {
    if (this.bar) this.bar.stop();
    process.stdout.write(`${line}\n`);
    this.bar = null;
  }

  startEpoch(epoch: number, epochs: number, steps: number, done: number, show: boolean): void {
    this.bar?.stop();
    this.bar = null;
    if (!show) return;
    this.bar = new cliProgress.SingleBar(
      {
        format: `epoch ${epoch + 1}/${epochs} |{bar}| {value}/{total} {status} ETA {eta_formatted}`,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(steps, done, { status: '' });
  }

  step(done: number, s: StepStatus): void {
    this.bar?.update(done, { status: statusText(s) });
  }

  endEpoch(): void {
    this.bar?.stop();
    this.bar = null;
  }

  close(): void {
    this.bar?.stop();
  }
}

export function createReporter(every: number, tty = Boolean(process.stdout.isTTY)): Reporter {
  return tty ? new BarReporter() : new LineReporter(every);
}
