import { DomainError, MalformedRequestError } from "./errors";

/** A body over its route's limit: refused with 413 once the limit is crossed, not after reading it all. */
export class PayloadTooLargeError extends DomainError {
  constructor(limitBytes: number) {
    super("PAYLOAD_TOO_LARGE", `The request body is too large (at most ${limitBytes} bytes).`);
  }
}

/**
 * Reads a request body as UTF-8 text, at most `limitBytes`. A declared Content-Length over the limit is
 * refused before reading; a chunked body (no length) is read chunk by chunk and the stream cancelled as
 * soon as the limit is crossed, so a client cannot make the server buffer more than the limit.
 */
export async function readBoundedText(request: Request, limitBytes: number): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limitBytes) throw new PayloadTooLargeError(limitBytes);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel().catch(() => undefined);
      throw new PayloadTooLargeError(limitBytes);
    }
    chunks.push(value);
  }
  return new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(chunks));
}

/** A bounded JSON body; `shape` names what was expected in the 400 message for anything unparseable. */
export async function readJsonBody(request: Request, limitBytes: number, shape: string): Promise<unknown> {
  const text = await readBoundedText(request, limitBytes);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new MalformedRequestError(`Send JSON: ${shape}.`);
  }
}
