/** What a command may touch: where the project is, and where text goes. */
export interface CommandContext {
  /** The directory holding regressions/ and reports/ (the current directory when run by npm). */
  readonly root: string;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Progress as the work goes; a line each when not a terminal. */
  readonly progress: (line: string) => void;
  /** Is the progress stream a terminal (redraw one line) or a log (a line each)? Default: no. */
  readonly interactive?: boolean;
}
