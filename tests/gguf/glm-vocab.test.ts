import { expect, test } from "bun:test";
import { Engine } from "../../src/engine/engine.ts";
import { addBpeWord, bpeTokenText, createBpeVocab } from "../../src/gguf/bpe-vocab.ts";
import { scriptedModelPath } from "../support/test-models.ts";

test("byte tokens follow GPT-2's order", () => {
  const vocab = createBpeVocab();
  expect(vocab.id(bpeTokenText("\n"))).toBe(198);
  expect(vocab.id("!")).toBe(0);
  expect(bpeTokenText(" t")).toBe("Ġt");
});

test("a word gets merges for every prefix and can sit at a chosen id", () => {
  const vocab = createBpeVocab();
  const id = addBpeWord(vocab, " the", 300);
  expect(id).toBe(300);
  expect(vocab.merges).toEqual(["Ġ t", "Ġt h", "Ġth e"]);
});

test("with real ids, GLM-4's published vector for 你好 tokenizes exactly", async () => {
  const path = scriptedModelPath({ chain: ["\n", "ok"], realIds: true });
  await using engine = await Engine.open(path, { threads: 2, ctxSize: 512 });
  const prompt = [
    ...engine.tokenize("[gMASK]<sop><|user|>", true),
    ...engine.tokenize("\n你好", false),
    ...engine.tokenize("<|assistant|>", true),
  ];
  expect(prompt).toEqual([151331, 151333, 151336, 198, 109377, 151337]);
  expect(engine.info.nVocab).toBe(151552);
});

test("a ChatGLM3 (SentencePiece) scripted model keeps ChatGLM3's ids and replies", async () => {
  const path = scriptedModelPath({
    vocabulary: "chatglm3",
    chain: ["\n", " Hello", " world"],
    realIds: true,
  });
  await using engine = await Engine.open(path, { threads: 2, ctxSize: 512 });
  expect(engine.info.tokenizerModel).toBe("llama");
  expect(engine.tokenize("[gMASK]sop<|user|>", true)).toEqual([64790, 64792, 64795]);
  const prompt = engine.tokenize("[gMASK]sop<|user|>\n hi<|assistant|>", true);
  let text = "";
  for await (const event of engine.generate(prompt, { maxTokens: 10 })) {
    if (event.kind === "piece") text += event.text;
  }
  expect(text).toBe("\n Hello world");
});
