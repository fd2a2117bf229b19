export { detectChatFamily } from "./chat-family.ts";
export { createChatFormat } from "./chat-format.ts";
export { promptToText } from "./prompt-text.ts";
export { GLM45_MARKERS, replyMarkers } from "./reply-markers.ts";
export { endsInsideThinking } from "./thinking-open.ts";
export { applyToolChoice } from "./tool-choice.ts";
export type * from "./types.ts";
