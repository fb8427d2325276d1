// `npm run gfpcheck -- <command>` and the `gfpcheck` bin land here.
import { runCli, terminalContext } from "./main.js";

const code = await runCli(process.argv.slice(2), terminalContext());
if (process.stderr.isTTY) process.stderr.write("\r\x1b[2K");
process.exitCode = code;
