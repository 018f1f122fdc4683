// Node 20 lacks ArrayBuffer.prototype.transfer (ES2024), which Fedify's
// byte-encodings dependency calls.  Fedify 1.10 declares Node >= 22; this is the
// only gap that matters for the peer on Node 20.  This module must be imported
// before Fedify.
//
// Unlike the native method, this copy does not detach the source buffer:
// detaching could break a buffer shared with Node's Buffer pool, and nothing in
// the peer relies on detachment.
if (typeof ArrayBuffer.prototype.transfer !== "function") {
  const transfer = function transfer(newLength = this.byteLength) {
    const length = Math.trunc(Number(newLength));
    if (!Number.isFinite(length) || length < 0) {
      throw new RangeError(`Invalid array buffer length: ${newLength}`);
    }
    const copy = new ArrayBuffer(length);
    const kept = Math.min(length, this.byteLength);
    new Uint8Array(copy).set(new Uint8Array(this, 0, kept));
    return copy;
  };
  for (const name of ["transfer", "transferToFixedLength"]) {
    Object.defineProperty(ArrayBuffer.prototype, name, {
      value: transfer,
      writable: true,
      configurable: true,
    });
  }
}
