// Bundles the web agent into ../dist/app.js with esbuild. The bundle is
// committed, so `go build` needs no node; its first line records a digest
// of everything it is built from, and a Go test (TestBundleFresh) fails
// when the sources changed without a rebuild.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const out = process.argv[2] || join(here, "..", "dist", "app.js");

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]);
}

// sourceDigest: SHA-256 over each input as "path\nlength\nbytes", in path
// order. Go's TestBundleFresh computes the same.
export function sourceDigest() {
  const inputs = [...files(join(here, "src")), join(here, "build.mjs"), join(here, "package-lock.json")]
    .map((f) => relative(here, f).split("\\").join("/")).sort();
  const h = createHash("sha256");
  for (const f of inputs) {
    const b = readFileSync(join(here, f));
    h.update(`${f}\n${b.length}\n`);
    h.update(b);
  }
  return h.digest("hex");
}

const res = await build({
  entryPoints: [join(here, "src", "main.js")],
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: true,
  legalComments: "eof",
  write: false,
  logLevel: "warning",
});
mkdirSync(join(out, ".."), { recursive: true });
const banner = `// deskdial web agent; built by internal/webagent/web/build.mjs; source-digest ${sourceDigest()}\n`;
writeFileSync(out, banner + res.outputFiles[0].text);
