// Fedify logs through LogTape.  The peer keeps every Fedify record (debug and
// up) in a bounded buffer, because Fedify explains signature and parsing
// failures only at debug level, and prints warnings and errors to stderr.
import { AsyncLocalStorage } from "node:async_hooks";
import { inspect } from "node:util";
import { configure, withFilter } from "@logtape/logtape";

const MAX_VALUE_CHARS = 4000;

function renderValue(value) {
  if (typeof value === "string") return value;
  if (value instanceof Error) return value.stack ?? String(value);
  const text = inspect(value, { depth: 6, breakLength: Infinity });
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;
}

export function renderRecord(record) {
  const message = record.message
    .map((part, index) => (index % 2 === 0 ? String(part) : renderValue(part)))
    .join("");
  return {
    at: new Date(record.timestamp).toISOString(),
    level: record.level,
    category: record.category.join("."),
    message,
  };
}

/** A ring buffer of rendered log records. */
export class LogBuffer {
  constructor(limit = 2000) {
    this.limit = limit;
    this.records = [];
    this.count = 0;
  }

  push(record) {
    this.records.push({ n: ++this.count, ...renderRecord(record) });
    if (this.records.length > this.limit) this.records.shift();
  }

  /** A position to pass to `since` later. */
  mark() {
    return this.count;
  }

  since(mark, minLevel = "debug") {
    return this.lines(minLevel).filter((r) => r.n > mark);
  }

  lines(minLevel = "debug") {
    const order = ["trace", "debug", "info", "warning", "error", "fatal"];
    const floor = order.indexOf(minLevel);
    return this.records.filter((r) => order.indexOf(r.level) >= floor);
  }
}

function stderrSink(record) {
  const { at, level, category, message } = renderRecord(record);
  process.stderr.write(`${at} ${level.toUpperCase()} ${category}: ${message}\n`);
}

export async function setupLogging(buffer, { stderrLevel = "warning" } = {}) {
  await configure({
    contextLocalStorage: new AsyncLocalStorage(),
    sinks: {
      buffer: (record) => buffer.push(record),
      stderr: withFilter(stderrSink, stderrLevel),
    },
    loggers: [
      { category: "fedify", lowestLevel: "debug", sinks: ["buffer", "stderr"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
    ],
  });
}
