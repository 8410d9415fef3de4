/** A status message that is not a string, as text (as a thrown non-Error becomes its text). @internal */
export function statusText(message: unknown): string {
  try {
    return String(message);
  } catch {
    return 'A status message that cannot be read';
  }
}
