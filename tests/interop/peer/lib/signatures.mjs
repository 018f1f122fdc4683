// Reads the HTTP signature headers of a request (without trusting them) and
// asks Fedify's own verifier whether they hold.
import { verifyRequest } from "@fedify/fedify";

function cavageParams(value) {
  const params = {};
  for (const match of value.matchAll(/([a-zA-Z]+)="([^"]*)"/g)) params[match[1]] = match[2];
  return params;
}

/** Which signature scheme a request carries, its key id and covered parts. */
export function describeSignature(headers) {
  const input = headers.get("signature-input");
  if (input != null) {
    const components = input.match(/\(([^)]*)\)/)?.[1]?.match(/"[^"]*"/g) ?? [];
    return {
      scheme: "rfc9421",
      keyId: input.match(/keyid="([^"]*)"/)?.[1] ?? null,
      algorithm: input.match(/alg="([^"]*)"/)?.[1] ?? null,
      components: components.map((c) => c.slice(1, -1)),
    };
  }
  const signature = headers.get("signature");
  if (signature != null) {
    const params = cavageParams(signature);
    return {
      scheme: "draft-cavage",
      keyId: params.keyId ?? null,
      algorithm: params.algorithm ?? null,
      components: (params.headers ?? "date").split(/\s+/),
    };
  }
  return { scheme: null, keyId: null, algorithm: null, components: [] };
}

/** Fedify's verifyRequest on a copy of the request: the key that signed it, or why not. */
export async function verifyWithFedify(request, loaders) {
  const described = describeSignature(request.headers);
  if (described.scheme == null) return { ...described, verified: false, error: "no signature" };
  try {
    const key = await verifyRequest(request, { ...loaders, timeWindow: { hours: 1 } });
    return {
      ...described,
      verified: key != null,
      verifiedKeyId: key?.id?.href ?? null,
      keyOwner: key?.ownerId?.href ?? null,
      error: key == null ? "Fedify's verifyRequest returned null (see /control/log)" : null,
    };
  } catch (error) {
    return { ...described, verified: false, error: String(error) };
  }
}
