/** The earliest of `markers` in `text`, or undefined. */
export function findFirstMarker(
  text: string,
  markers: string[],
): { index: number; marker: string } | undefined {
  let best: { index: number; marker: string } | undefined;
  for (const marker of markers) {
    const index = text.indexOf(marker);
    if (index < 0) continue;
    if (!best || index < best.index) best = { index, marker };
  }
  return best;
}

/** How many trailing chars of `text` could begin a marker split across pushes. */
export function partialMarkerLength(text: string, markers: string[]): number {
  let longest = 0;
  for (const marker of markers) {
    const max = Math.min(marker.length - 1, text.length);
    for (let length = max; length > longest; length -= 1) {
      if (text.endsWith(marker.slice(0, length))) {
        longest = length;
        break;
      }
    }
  }
  return longest;
}
