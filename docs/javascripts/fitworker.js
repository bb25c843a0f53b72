// The worker of the in-browser fit (docs/fit_in_browser.md, fit.js): it reads the reader's
// file in chunks (the page stays responsive however big the file), keeps its columns, and fits
// when the page asks. Nothing leaves the browser: the file is read with FileReaderSync.
//
// Messages from the page: {type: "read", file, name} and {type: "fit", id, y, group, x, slopes,
// method}. To the page: {type: "progress", done, total}, {type: "table", ...}, {type: "result",
// id, fit, ms}, {type: "error", id, message}.
/* global importScripts, FileReaderSync, ppCore, ppCsv, ppSlopes */
"use strict";
importScripts("ppcore.js", "ppcsv.js", "ppslopes.js");

const CHUNK = 1 << 22; // 4 MB
let table = null;
let source = null;

function read(file, name) {
  table = null;
  source = name;
  const t0 = performance.now();
  const reader = new FileReaderSync();
  const total = file.size;
  if (!total) throw new ppCore.InputError(name + ": the file is empty: no header line");
  const head = new Uint8Array(reader.readAsArrayBuffer(file.slice(0, Math.min(total, ppCsv.SAMPLE))));
  let enc;
  try {
    enc = ppCsv.detectEncoding(head);
  } catch (err) {
    if (err instanceof ppCsv.FormatError) throw new ppCore.InputError(name + ": " + err.message);
    throw err;
  }
  const sampleText = new TextDecoder(enc.encoding).decode(head.subarray(enc.skip));
  const delim = ppCsv.detectDelimiter(sampleText, head.length === total);
  const format = Object.assign({}, enc, delim);
  const cols = new ppCsv.Columns(delim.decimalComma);
  const parser = new ppCsv.Parser(delim.delimiter, (rec, line) => cols.add(rec, line));
  const decoder = new TextDecoder(enc.encoding, { fatal: true });
  let lastPost = 0;
  for (let at = enc.skip; at < total; at += CHUNK) {
    const end = Math.min(total, at + CHUNK);
    const bytes = new Uint8Array(reader.readAsArrayBuffer(file.slice(at, end)));
    let text;
    try {
      text = decoder.decode(bytes, { stream: end < total });
    } catch (err) {
      throw new ppCore.InputError(name + ": this is not " + enc.label + " text after line " +
        parser.line + " (a byte that " + enc.label + " never has); save the file as \"CSV " +
        "UTF-8\" and choose it again");
    }
    try {
      parser.push(text, end === total);
    } catch (err) {
      if (err instanceof ppCsv.FormatError) throw new ppCore.InputError(name + ": " + err.message);
      throw err;
    }
    const now = performance.now();
    if (now - lastPost > 100 || end === total) {
      postMessage({ type: "progress", done: end, total: total, rows: cols.N });
      lastPost = now;
    }
  }
  if (!cols.header) throw new ppCore.InputError(name + ": the file is empty: no header line");
  table = cols.table();
  if (cols.tooWide) {
    const w = cols.tooWide;
    const d = delim.delimiter === "\t" ? "tab" : delim.delimiter === ";" ? "semicolon" : "comma";
    throw new ppCore.InputError(name + ": line " + w.line + " has " + w.fields + " fields but " +
      "the header has " + table.header.length + ": a field with an unquoted " + d + "? " +
      (w.first ? "Or a first (index) column with no name in the header? (name it)" : "(quote it)"));
  }
  return {
    type: "table",
    name: name,
    header: table.header,
    rows: table.N,
    bytes: total,
    format: ppCsv.describe(format),
    columns: table.cols.map((c) => ({
      numeric: !!c.num,
      bad: c.bad ? { line: table.lines[c.bad.row], value: c.bad.value } : null,
      distinct: c.labels ? c.labels.length : null,
      missing: c.missing,
      runs: c.changes,
    })),
    ms: performance.now() - t0,
  };
}

function fit(msg) {
  if (!table) throw new Error("no file has been read");
  const t0 = performance.now();
  const slopes = msg.slopes && msg.x.length > 0;
  const g = ppCore.prepare(table, {
    y: msg.y, group: msg.group, x: msg.x, source: source,
  });
  const f = slopes ? ppSlopes.fitSlopes(g, msg.method) : ppCore.fit(g, msg.method);
  f.csv = slopes ? ppSlopes.slopesCSV(f) : ppCore.tableCSV(f);
  return { type: "result", id: msg.id, fit: f, ms: performance.now() - t0 };
}

onmessage = (event) => {
  const msg = event.data;
  try {
    if (msg.type === "read") postMessage(read(msg.file, msg.name));
    else if (msg.type === "fit") postMessage(fit(msg));
  } catch (err) {
    const input = err instanceof ppCore.InputError;
    postMessage({
      type: "error", id: msg.id, input: input, during: msg.type,
      message: input ? err.message : (source || "the file") + ": the " +
        (msg.type === "read" ? "reading" : "fit") + " failed: " + (err && err.message ? err.message : err),
    });
  }
};
