import { z } from 'zod';

/** Raised at startup when the environment is missing or malforms a variable; lists every problem at once. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

/**
 * Builds a process's one config loader from a zod schema over environment variables.
 * Empty strings count as unset, so `FOO=` in a .env file falls back to the default.
 */
export function createConfigLoader<S extends z.ZodType>(schema: S) {
  return (env: Env = process.env): Readonly<z.output<S>> => {
    const present = Object.fromEntries(
      Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
    );
    const result = schema.safeParse(present);
    if (!result.success) {
      throw new ConfigError(
        result.error.issues.map((issue) => {
          const name = issue.path.join('.') || '(environment)';
          const given = issue.path.length === 1 && present[String(issue.path[0])] === undefined;
          return given ? `${name} is required` : `${name}: ${issue.message}`;
        }),
      );
    }
    return Object.freeze(result.data);
  };
}

/** Reusable variable schemas, so every function spells a shared variable the same way. */
export const env = {
  databaseUrl: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }),
  port: z.coerce.number().int().min(1).max(65535),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  positiveInt: z.coerce.number().int().positive(),
  url: z.url(),
  list: z.string().transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  ),
};
