const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** OpenAI-style id: "call_" plus 24 random alphanumerics. */
export function newToolCallId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let id = "call_";
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return id;
}
