// Reading a CSV file for the in-browser fit (docs/fit_in_browser.md), in the page's worker
// (fitworker.js): the format detected from the file's first bytes, then the file streamed in
// chunks through one pass that builds its columns (numbers and group labels), so no copy of
// the text or of its rows is kept.
//
// Why not a CSV library: PapaParse (5.7.1, from npm) was measured on the same 45 MB file of a
// million rows in node 20: 3.2 s to parse into rows against 1.8-2.2 s for this parser, and it
// reports rows, not the file's line numbers that the command line's messages name. The
// delimiter and the encoding, which a library would have detected, are detected here.
//
// Formats: comma, semicolon or tab between fields (the one that splits the first lines into the
// same number of fields, and the most of them); UTF-8 with or without a byte-order mark, UTF-16
// with one (what spreadsheets export as "Unicode text"); with a semicolon, a decimal comma when
// the first lines' numbers use it. RFC 4180 quoting: quoted fields may hold delimiters, quotes
// ("") and line breaks; CRLF, LF or CR end a record; blank lines are skipped (as pandas does).
//
// Exposed as ppCsv (self.ppCsv in the worker).
(function () {
  "use strict";

  const SAMPLE = 1 << 16; // bytes read to detect the format
  const DELIMITERS = [",", ";", "\t"];
  const DELIMITER_NAMES = { ",": "comma", ";": "semicolon", "\t": "tab" };

  class FormatError extends Error {}

  // ---- the format ----------------------------------------------------------------------------
  function hex(b) {
    return "0x" + b.toString(16).toUpperCase().padStart(2, "0");
  }

  // bytes: the first SAMPLE bytes (or the whole file). Returns {encoding, bom, skip} or throws
  // FormatError with a message for the reader.
  function detectEncoding(bytes) {
    if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
      return { encoding: "utf-16le", label: "UTF-16 (little-endian, with BOM)", skip: 2 };
    }
    if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
      return { encoding: "utf-16be", label: "UTF-16 (big-endian, with BOM)", skip: 2 };
    }
    const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    // Text has no NUL bytes and few control characters besides tab, line feed, carriage return
    // and form feed; a binary file (a spreadsheet, a zip, an image) has many.
    let control = 0;
    let first = -1;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === 0) { first = i; control = Infinity; break; }
      if ((b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 12) || b === 127) {
        control++;
        if (first < 0) first = i;
      }
    }
    if (first >= 0 && control > 0.01 * bytes.length) {
      throw new FormatError("this is not a text file (byte " + (first + 1) + " is " +
        hex(bytes[first]) + ", a control character no CSV file holds): save the data as CSV " +
        "(comma- or semicolon-separated values) and choose that file");
    }
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: true });
    } catch (err) {
      // find the offending byte, to name it and its line
      let line = 1;
      let at = 0;
      const d = new TextDecoder("utf-8", { fatal: true });
      for (at = 0; at < bytes.length; at++) {
        try { d.decode(bytes.subarray(at, at + 1), { stream: true }); } catch (e) { break; }
        if (bytes[at] === 10) line++;
      }
      throw new FormatError("this is not UTF-8 text: byte " + (at + 1) + " (on line " + line +
        ") is " + hex(bytes[Math.min(at, bytes.length - 1)]) + ", which UTF-8 never has there; " +
        "save the file as \"CSV UTF-8\" (a spreadsheet's Save as) and choose it again");
    }
    return { encoding: "utf-8", label: bom ? "UTF-8 with BOM" : "UTF-8", skip: bom ? 3 : 0 };
  }

  // The records of the sample text with one delimiter (the last, maybe cut, line left out when
  // the text is not the whole file).
  function sampleRecords(text, delim, whole) {
    const records = [];
    const p = new Parser(delim, (rec) => { records.push(rec); }, () => {});
    try {
      p.push(text, whole);
    } catch (err) {
      return records;
    }
    return records.slice(0, 200);
  }

  const DECIMAL_COMMA = /^\s*[+-]?(?:\d+,\d*|,\d+)(?:[eE][+-]?\d+)?\s*$/;
  const DECIMAL_POINT = /^\s*[+-]?(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

  // text: the decoded sample. Returns {delimiter, decimalComma}.
  function detectDelimiter(text, whole) {
    let best = null;
    DELIMITERS.forEach((d) => {
      const recs = sampleRecords(text, d, whole);
      if (!recs.length) return;
      const width = recs[0].length;
      const same = recs.filter((r) => r.length === width).length / recs.length;
      const score = width > 1 ? same * 1000 + width : 0;
      if (!best || score > best.score) best = { delimiter: d, score: score, recs: recs };
    });
    if (!best || best.score === 0) return { delimiter: ",", decimalComma: false };
    let comma = 0;
    let point = 0;
    if (best.delimiter === ";") {
      best.recs.slice(1).forEach((r) => r.forEach((f) => {
        if (DECIMAL_COMMA.test(f)) comma++;
        else if (DECIMAL_POINT.test(f)) point++;
      }));
    }
    return { delimiter: best.delimiter, decimalComma: comma > 0 && point === 0 };
  }

  function describe(format) {
    return DELIMITER_NAMES[format.delimiter] + "-separated" +
      (format.decimalComma ? " with decimal commas" : "") + ", " + format.label;
  }

  // ---- the parser ------------------------------------------------------------------------------
  // push(text, final) takes the file's text in pieces; onRecord(fields, line) gets each record
  // and the line it starts on. A piece may end anywhere (inside a quoted field, between CR and LF).
  class Parser {
    constructor(delimiter, onRecord) {
      this.delim = delimiter.charCodeAt(0);
      this.onRecord = onRecord;
      this.field = "";
      this.record = [];
      this.quoted = false;
      this.any = false; // the record has a field (or a quote) so far
      this.line = 1;
      this.start = 1;
      this.carry = "";
    }

    push(piece, final) {
      let text = this.carry + piece;
      this.carry = "";
      if (!final && text.length) {
        // a quote or a CR at the very end may pair with the next piece's first character
        const last = text.charCodeAt(text.length - 1);
        if (last === 34 || last === 13) {
          this.carry = text.slice(-1);
          text = text.slice(0, -1);
        }
      }
      const n = text.length;
      const D = this.delim;
      let i = 0;
      let field = this.field;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (this.quoted) {
          if (c === 34) {
            if (text.charCodeAt(i + 1) === 34) { field += '"'; i += 2; continue; }
            this.quoted = false; i++; continue;
          }
          let j = text.indexOf('"', i);
          if (j < 0) j = n;
          for (let k = i; k < j; k++) {
            const d = text.charCodeAt(k);
            if (d === 10 || (d === 13 && text.charCodeAt(k + 1) !== 10)) this.line++;
          }
          field += text.slice(i, j);
          i = j;
          continue;
        }
        if (c === D) { this.record.push(field); field = ""; this.any = true; i++; continue; }
        if (c === 10 || c === 13) {
          this.record.push(field);
          if (this.any || field.trim() !== "") this.onRecord(this.record, this.start);
          this.record = []; field = ""; this.any = false;
          i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
          this.line++;
          this.start = this.line;
          continue;
        }
        if (c === 34 && field === "") { this.quoted = true; this.any = true; i++; continue; }
        // an unquoted run up to the next delimiter
        let j = i + 1;
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d === D || d === 10 || d === 13) break;
          j++;
        }
        field += text.slice(i, j);
        i = j;
      }
      this.field = field;
      if (final) {
        if (this.quoted) {
          throw new FormatError("line " + this.start + ": a quoted field is never closed");
        }
        if (this.any || field.trim() !== "") {
          this.record.push(field);
          this.onRecord(this.record, this.start);
        }
        this.record = [];
        this.field = "";
      }
    }
  }

  // ---- the columns -----------------------------------------------------------------------------
  const parseNumber = (s) => globalThis.ppCore.parseNumber(s);

  function grow(a, size) {
    const b = new a.constructor(size);
    b.set(a);
    return b;
  }

  // Every column is kept as numbers (while it holds only numbers and missing values) and as
  // group codes (while its values repeat: beyond KEEP_ROWS rows, a column with more different
  // values than half its rows is no group column, and its labels are let go).
  const KEEP_ROWS = 100000;

  class Columns {
    constructor(decimalComma) {
      this.decimalComma = decimalComma;
      this.header = null;
      this.N = 0;
      this.cap = 1024;
      this.lines = new Int32Array(this.cap);
      this.cols = [];
      this.tooWide = null; // the first record with more fields than the header
    }

    add(rec, line) {
      if (!this.header) {
        this.header = rec;
        this.cols = rec.map(() => ({
          num: new Float64Array(this.cap), bad: null, codes: new Int32Array(this.cap),
          dict: new Map(), labels: [], tooMany: 0, tooManyRows: 0, changes: 0, last: -2,
          missing: 0,
        }));
        return;
      }
      const r = this.N;
      if (r === this.cap) {
        this.cap *= 2;
        this.lines = grow(this.lines, this.cap);
        this.cols.forEach((c) => {
          if (c.num) c.num = grow(c.num, this.cap);
          if (c.codes) c.codes = grow(c.codes, this.cap);
        });
      }
      if (rec.length > this.cols.length && !this.tooWide) {
        this.tooWide = { line: line, fields: rec.length, first: r === 0 };
      }
      this.lines[r] = line;
      const comma = this.decimalComma;
      for (let c = 0; c < this.cols.length; c++) {
        const col = this.cols[c];
        const s = rec[c];
        if (col.num) {
          let v;
          if (s === undefined) v = NaN;
          else {
            v = parseNumber(comma && s.indexOf(",") >= 0 ? s.replace(",", ".") : s);
            if (v === undefined) {
              col.bad = { row: r, value: s };
              col.num = null; // text: not a numeric column
            }
          }
          if (col.num) col.num[r] = v;
        }
        if (col.codes) {
          let code = -1;
          if (s === undefined || s === "") col.missing++;
          else {
            code = col.dict.get(s);
            if (code === undefined) {
              code = col.labels.length;
              col.dict.set(s, code);
              col.labels.push(s);
              if (r >= KEEP_ROWS && code >= (r + 1) / 2) {
                col.tooMany = code;
                col.tooManyRows = r + 1;
                col.codes = null;
                col.dict = null;
                col.labels = null;
              }
            }
          }
          if (col.codes) {
            col.codes[r] = code;
            if (code !== col.last) { col.changes++; col.last = code; }
          }
        }
      }
      this.N++;
    }

    // What the worker keeps and what it tells the page about each column.
    table() {
      this.cols.forEach((c) => { c.dict = null; });
      return { header: this.header || [], N: this.N, lines: this.lines, cols: this.cols };
    }
  }

  globalThis.ppCsv = {
    SAMPLE, FormatError, detectEncoding, detectDelimiter, describe, Parser, Columns,
  };
})();
