import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT } from 'jose';

/**
 * The local stack's HS256 secret: read from `<dataDir>/jwt-secret`, created on first use (mode 600,
 * 48 random bytes as base64url), so tokens printed once keep working across restarts.
 */
export async function ensureJwtSecret(dataDir: string): Promise<string> {
  const file = join(dataDir, 'jwt-secret');
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 32) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  await chmod(file, 0o600); // writeFile's mode is masked by umask and ignored for an existing file
  return secret;
}

export interface DevTokenClaims {
  sub: string;
  email?: string | undefined;
  /** Lifetime; a day by default. */
  ttlSeconds?: number | undefined;
}

/** Signs an HS256 JWT for local use, as task-api verifies it with AUTH_JWT_SECRET. */
export async function signDevToken(secret: string, claims: DevTokenClaims): Promise<string> {
  const jwt = new SignJWT(claims.email ? { email: claims.email } : {})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(`${claims.ttlSeconds ?? 86_400}s`);
  return jwt.sign(new TextEncoder().encode(secret));
}
