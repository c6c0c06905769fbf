const DAY_MS = 86_400_000;

/** `1 day`, `2 days`. */
export function dayCount(n: number): string {
  return `${n} ${n === 1 ? 'day' : 'days'}`;
}

/**
 * How long a certificate has left, or how long ago it expired, in whole days counted from `now` (rounded
 * down both ways: a certificate that expired 2 days and 5 hours ago "expired 2 days ago", not 3, which is
 * what negating a floored days-left gives).
 */
export function validityWords(validTo: string, now: Date = new Date()): string {
  const ms = new Date(validTo).getTime() - now.getTime();
  if (ms < 0) {
    const ago = Math.floor(-ms / DAY_MS);
    return ago === 0 ? 'expired less than a day ago' : `expired ${dayCount(ago)} ago`;
  }
  return `${dayCount(Math.floor(ms / DAY_MS))} left`;
}
