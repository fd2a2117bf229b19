/** GLM-4-9B-chat's published chat template, stored in the GGUFs we write like a converted model. */
export const GLM4_CHAT_TEMPLATE =
  "[gMASK]<sop>{% for item in messages %}{% if item['tools'] is defined %}<|system|>\n" +
  "你是一个名为 ChatGLM 的人工智能助手。你是基于智谱AI训练的语言模型 GLM-4 模型开发的，" +
  "你的任务是针对用户的问题和要求提供适当的答复和支持。\n\n# 可用工具" +
  "{% set tools = item['tools'] %}{% for tool in tools %}{% if tool['type'] == 'function' %}" +
  "\n\n## {{ tool['function']['name'] }}\n\n{{ tool['function'] | tojson(indent=4) }}\n" +
  "在调用上述函数时，请使用 Json 格式表示调用的参数。{% endif %}{% endfor %}{% endif %}" +
  "{% if item['content'] %}<|{{ item['role'] }}|>{{ item['metadata'] }}\n{{ item['content'] }}" +
  "{% endif %}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}";

/** ChatGLM3-6B's chat template. */
export const CHATGLM3_CHAT_TEMPLATE =
  "{% for message in messages %}{% if loop.first %}[gMASK]sop<|{{ message['role'] }}|>\n " +
  "{{ message['content'] }}{% else %}<|{{ message['role'] }}|>\n {{ message['content'] }}" +
  "{% endif %}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}";
