import { colorWanted, makeStyle, type Style } from "./style.js";

/** How a command talks to the user: tables and notes for people, one JSON document for scripts (`--json`). */
export interface Ui {
  json: boolean;
  style: Style;
  /** Spinners and live notes only for a person at a terminal. */
  interactive: boolean;
  /** The command's result: `data` as JSON with `--json`, else `human()` as text, on stdout. */
  result(data: unknown, human: () => string): void;
  /** A side remark for people, on stderr; silent with `--json`. */
  note(text: string): void;
}

export function makeUi(json: boolean): Ui {
  const style = makeStyle(!json && colorWanted(process.stdout));
  return {
    json,
    style,
    interactive: !json && process.stderr.isTTY === true,
    result(data, human) {
      process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
    },
    note(text) {
      // On a terminal, first clear a spinner that may be on the line.
      if (!json) process.stderr.write(`${process.stderr.isTTY ? "\r\u001b[2K" : ""}${text}\n`);
    },
  };
}
