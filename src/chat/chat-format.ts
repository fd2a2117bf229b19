import { createChatGlm3Format } from "./chatglm3.ts";
import { createGlm4Format } from "./glm4.ts";
import { createGlm40414Format } from "./glm4-0414.ts";
import { createGlm45Format } from "./glm45.ts";
import { createGlm47Format } from "./glm47.ts";
import { createJinjaFormat } from "./jinja-format.ts";
import type { ChatFamily, ChatFormat, ChatModelInfo } from "./types.ts";

/** The format for `family`; "jinja" needs the model's own chat template. */
export function createChatFormat(family: ChatFamily, model: ChatModelInfo): ChatFormat {
  if (family === "glm4") return createGlm4Format(model.chatTemplate);
  if (family === "chatglm3") return createChatGlm3Format();
  if (family === "glm45") return createGlm45Format();
  const chatTemplate = model.chatTemplate;
  if (chatTemplate === null) {
    throw new Error(
      `model has no chat template (tokenizer.chat_template), which --chat-format ${family} renders; pick glm4, chatglm3 or glm45`,
    );
  }
  if (family === "glm47") return createGlm47Format({ ...model, chatTemplate });
  if (family === "glm4-0414") return createGlm40414Format({ ...model, chatTemplate });
  return createJinjaFormat({ ...model, chatTemplate });
}
