/**
 * Services-mode tests must fail, never skip, when their server is missing: this reads the
 * connection setting or throws an error that says how to provide it.
 */
export function requireService(variable: string, hint: string): string {
  const value = process.env[variable];
  if (value === undefined || value.trim() === '') {
    throw new Error(`${variable} is not set: ${hint} (see README, "Tests against real services")`);
  }
  return value.trim();
}
