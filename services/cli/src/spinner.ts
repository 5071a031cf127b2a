const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** A spinner on stderr while `work` runs; shown only when stderr is a terminal. */
export async function withSpinner<T>(label: string, enabled: boolean, work: () => Promise<T>): Promise<T> {
  if (!enabled) return work();
  let frame = 0;
  const draw = () => process.stderr.write(`\r${FRAMES[frame++ % FRAMES.length]} ${label}`);
  const clear = () => process.stderr.write("\r\u001b[2K");
  // Ctrl-C while spinning: leave a clean line, exit as a shell expects (128 + SIGINT).
  const interrupted = () => {
    clear();
    process.exit(130);
  };
  process.once("SIGINT", interrupted);
  draw();
  const timer = setInterval(draw, 80);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    process.off("SIGINT", interrupted);
    clear();
  }
}
