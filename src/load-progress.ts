/** Model load progress: a redrawn bar on a terminal, a line per quarter otherwise. */
export function createLoadProgress(
  stream: { isTTY?: boolean; write(text: string): unknown },
  label: string,
): (fraction: number) => void {
  let lastQuarter = -1;
  return (fraction) => {
    const percent = Math.floor(Math.min(1, Math.max(0, fraction)) * 100);
    if (stream.isTTY) {
      const filled = Math.round(percent / 4);
      stream.write(
        `\rloading ${label} [${"#".repeat(filled)}${" ".repeat(25 - filled)}] ${percent}%`,
      );
      if (percent === 100) stream.write("\n");
      return;
    }
    const quarter = Math.floor(percent / 25);
    if (quarter === lastQuarter) return;
    lastQuarter = quarter;
    stream.write(`loading ${label}: ${percent}%\n`);
  };
}
