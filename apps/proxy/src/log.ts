/** Envoy's `--log-level` values, from the most verbose. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'critical', 'off'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where the proxy's messages go; `level` defaults to `info`. */
export type Log = (message: string, level?: Exclude<LogLevel, 'off'>) => void;

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** A log that writes messages at `threshold` or above to `sink`, and drops the rest unformatted. */
export function leveledLog(threshold: LogLevel, sink: (line: string) => void): Log {
  const min = LOG_LEVELS.indexOf(threshold);
  return (message, level = 'info') => {
    if (LOG_LEVELS.indexOf(level) >= min) sink(`[${level}] ${message}`);
  };
}
