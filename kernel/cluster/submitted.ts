/**
 * The jobs this process submitted (a notebook's kernel: what is running for this notebook), so
 * `%neurostorm jobs` can list them without being told where they write.
 */
const submitted: { out: string; name: string }[] = [];

export function rememberJob(out: string, name: string): void {
  if (!submitted.some(j => j.out === out && j.name === name)) submitted.push({ out, name });
}

export function jobsOfThisProcess(): readonly { out: string; name: string }[] {
  return submitted;
}
