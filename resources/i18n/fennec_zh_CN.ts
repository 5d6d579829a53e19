<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
  <context>
    <name />
    <message>
      <source>The answer was interrupted: {reason}. What arrived is kept.</source>
      <translation>回答被中断：{reason}。已收到的内容已保留。</translation>
    </message>
    <message>
      <source>Fennec</source>
      <translation>Fennec</translation>
    </message>
    <message>
      <source>Something went wrong: {error}

Your conversations are saved. If this keeps happening, restart Fennec.</source>
      <translation>出了点问题：{error}

你的对话已保存。如果反复出现，请重新启动 Fennec。</translation>
    </message>
    <message>
      <source>Details</source>
      <translation>详情</translation>
    </message>
    <message>
      <source>could not read the conversation ({error})</source>
      <translation>无法读取对话（{error}）</translation>
    </message>
    <message>
      <source>the connection to the model was lost ({error})</source>
      <translation>与模型的连接已断开（{error}）</translation>
    </message>
    <message>
      <source>Rename</source>
      <translation>重命名</translation>
    </message>
    <message>
      <source>Title</source>
      <translation>标题</translation>
    </message>
    <message>
      <source>Pinned</source>
      <translation>已置顶</translation>
    </message>
    <message>
      <source>Rename…</source>
      <translation>重命名…</translation>
    </message>
    <message>
      <source>Export as Markdown…</source>
      <translation>导出为 Markdown…</translation>
    </message>
    <message>
      <source>Export as JSON…</source>
      <translation>导出为 JSON…</translation>
    </message>
    <message>
      <source>Delete</source>
      <translation>删除</translation>
    </message>
    <message>
      <source>Unpin</source>
      <translation>取消置顶</translation>
    </message>
    <message>
      <source>Pin</source>
      <translation>置顶</translation>
    </message>
    <message>
      <source>Could not export: {reason}</source>
      <translation>无法导出：{reason}</translation>
    </message>
    <message>
      <source>Fennec cannot reach the server. Check the internet connection (or the provider's address) and try again.</source>
      <translation>Fennec 无法连接到服务器。请检查网络连接（或远程服务的地址）后重试。</translation>
    </message>
    <message>
      <source>The disk is full. Free some space, then try again: nothing was lost.</source>
      <translation>磁盘已满。请释放一些空间后重试：没有丢失任何内容。</translation>
    </message>
    <message>
      <source>There is not enough memory. Close other programs or choose a smaller model.</source>
      <translation>内存不足。请关闭其他程序或选择更小的模型。</translation>
    </message>
    <message>
      <source>Fennec is not allowed to use that file or folder. Check its permissions.</source>
      <translation>Fennec 无权使用该文件或文件夹。请检查其权限。</translation>
    </message>
    <message>
      <source>The server took too long to answer. Try again in a moment.</source>
      <translation>服务器响应超时。请稍后重试。</translation>
    </message>
    <message>
      <source>New chat</source>
      <translation>新对话</translation>
    </message>
    <message>
      <source>Search conversations</source>
      <translation>搜索对话</translation>
    </message>
    <message>
      <source>Send</source>
      <translation>发送</translation>
    </message>
    <message>
      <source>Stop</source>
      <translation>停止</translation>
    </message>
    <message>
      <source>Regenerate</source>
      <translation>重新生成</translation>
    </message>
    <message>
      <source>Search conversations (Ctrl+F)</source>
      <translation>搜索对话（Ctrl+F）</translation>
    </message>
    <message>
      <source>Message Fennec (Ctrl+Enter to send)</source>
      <translation>给 Fennec 发消息（Ctrl+Enter 发送）</translation>
    </message>
    <message>
      <source>The model is not ready yet.</source>
      <translation>模型尚未就绪。</translation>
    </message>
    <message>
      <source>Edit message</source>
      <translation>编辑消息</translation>
    </message>
    <message>
      <source>Message</source>
      <translation>消息</translation>
    </message>
    <message>
      <source>&amp;File</source>
      <translation>文件(&amp;F)</translation>
    </message>
    <message>
      <source>&amp;Chat</source>
      <translation>对话(&amp;C)</translation>
    </message>
    <message>
      <source>&amp;View</source>
      <translation>查看(&amp;V)</translation>
    </message>
    <message>
      <source>&amp;Model</source>
      <translation>模型(&amp;M)</translation>
    </message>
    <message>
      <source>Quit</source>
      <translation>退出</translation>
    </message>
    <message>
      <source>Search…</source>
      <translation>搜索…</translation>
    </message>
    <message>
      <source>Status…</source>
      <translation>状态…</translation>
    </message>
    <message>
      <source>Settings…</source>
      <translation>设置…</translation>
    </message>
    <message>
      <source>Choose a model…</source>
      <translation>选择模型…</translation>
    </message>
    <message>
      <source>No model</source>
      <translation>无模型</translation>
    </message>
    <message>
      <source>Model</source>
      <translation>模型</translation>
    </message>
    <message>
      <source>Who answers this conversation: the model, a tuned adapter, a profile</source>
      <translation>由谁回答此对话：模型、微调适配器或助手配置</translation>
    </message>
    <message>
      <source>Get more models…</source>
      <translation>获取更多模型…</translation>
    </message>
    <message>
      <source>Manage profiles…</source>
      <translation>管理助手配置…</translation>
    </message>
    <message>
      <source>{model} + {adapter}</source>
      <translation>{model} + {adapter}</translation>
    </message>
    <message>
      <source>Profile: {name}</source>
      <translation>助手配置：{name}</translation>
    </message>
    <message>
      <source>Choose a model — Fennec</source>
      <translation>选择模型 — Fennec</translation>
    </message>
    <message>
      <source>Download</source>
      <translation>下载</translation>
    </message>
    <message>
      <source>Cancel download</source>
      <translation>取消下载</translation>
    </message>
    <message>
      <source>Delete downloaded</source>
      <translation>删除已下载</translation>
    </message>
    <message>
      <source>Open model folder…</source>
      <translation>打开模型文件夹…</translation>
    </message>
    <message>
      <source>Open GGUF file…</source>
      <translation>打开 GGUF 文件…</translation>
    </message>
    <message>
      <source>Convert a folder to GGUF…</source>
      <translation>将文件夹转换为 GGUF…</translation>
    </message>
    <message>
      <source>Hugging Face model folder</source>
      <translation>Hugging Face 模型文件夹</translation>
    </message>
    <message>
      <source>Quantisation:</source>
      <translation>量化：</translation>
    </message>
    <message>
      <source>Quantising with llama.cpp…</source>
      <translation>正在用 llama.cpp 量化…</translation>
    </message>
    <message>
      <source>Download cancelled. It resumes where it stopped next time.</source>
      <translation>下载已取消。下次将从中断处继续。</translation>
    </message>
    <message>
      <source>Converting {name}…</source>
      <translation>正在转换 {name}…</translation>
    </message>
    <message>
      <source>Writing tensor {done} of {total}</source>
      <translation>正在写入张量 {done}/{total}</translation>
    </message>
    <message>
      <source>The conversion did not finish: {reason}</source>
      <translation>转换未完成：{reason}</translation>
    </message>
    <message>
      <source>This model does not fit here: {reason}</source>
      <translation>此模型在本机放不下：{reason}</translation>
    </message>
    <message>
      <source>The download did not finish: {reason}</source>
      <translation>下载未完成：{reason}</translation>
    </message>
    <message>
      <source>Conversation deleted — Undo</source>
      <translation>对话已删除 — 撤销</translation>
    </message>
    <message>
      <source>Local-only</source>
      <translation>仅本机</translation>
    </message>
    <message>
      <source>This conversation never leaves this computer</source>
      <translation>此对话永远不会离开这台电脑</translation>
    </message>
    <message>
      <source>Allowed-remote</source>
      <translation>允许远程</translation>
    </message>
    <message>
      <source>This conversation may be answered by one of your remote providers</source>
      <translation>此对话可以由你的某个远程服务回答</translation>
    </message>
    <message>
      <source>Thinking: model default</source>
      <translation>思考：模型默认</translation>
    </message>
    <message>
      <source>Thinking: on</source>
      <translation>思考：开</translation>
    </message>
    <message>
      <source>Thinking: off</source>
      <translation>思考：关</translation>
    </message>
    <message>
      <source>Privacy</source>
      <translation>隐私</translation>
    </message>
    <message>
      <source>Answer with</source>
      <translation>回答者</translation>
    </message>
    <message>
      <source>Who answers this conversation</source>
      <translation>由谁回答此对话</translation>
    </message>
    <message>
      <source>Thinking</source>
      <translation>思考</translation>
    </message>
    <message>
      <source>For models that think before answering (Qwen3, gpt-oss…): on, off, or as the model does by default. Models without the switch ignore it.</source>
      <translation>适用于先思考再回答的模型（Qwen3、gpt-oss…）：开、关，或按模型默认。没有此开关的模型会忽略它。</translation>
    </message>
    <message>
      <source>Automatic</source>
      <translation>自动</translation>
    </message>
    <message>
      <source>This machine</source>
      <translation>本机</translation>
    </message>
    <message>
      <source>Next answer on this machine — {rule}</source>
      <translation>下一条回答在本机生成 — {rule}</translation>
    </message>
    <message>
      <source>Next answer by {name} — {rule}</source>
      <translation>下一条回答由 {name} 生成 — {rule}</translation>
    </message>
    <message>
      <source>{name} (not used)</source>
      <translation>{name}（未使用）</translation>
    </message>
    <message>
      <source>Assistant profiles — Fennec</source>
      <translation>助手配置 — Fennec</translation>
    </message>
    <message>
      <source>Profiles</source>
      <translation>助手配置</translation>
    </message>
    <message>
      <source>e.g. You are a careful triage assistant.</source>
      <translation>例如：你是一名细心的分诊助手。</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>名称</translation>
    </message>
    <message>
      <source>Adapter</source>
      <translation>适配器</translation>
    </message>
    <message>
      <source>System prompt</source>
      <translation>系统提示词</translation>
    </message>
    <message>
      <source>New</source>
      <translation>新建</translation>
    </message>
    <message>
      <source>Save</source>
      <translation>保存</translation>
    </message>
    <message>
      <source>None</source>
      <translation>无</translation>
    </message>
    <message>
      <source>Saved.</source>
      <translation>已保存。</translation>
    </message>
    <message>
      <source>Providers — Fennec</source>
      <translation>远程服务 — Fennec</translation>
    </message>
    <message>
      <source>Remove</source>
      <translation>移除</translation>
    </message>
    <message>
      <source>e.g. openrouter, office-gpu</source>
      <translation>例如：openrouter、office-gpu</translation>
    </message>
    <message>
      <source>https://api.example.com/v1 or http://gpu-box:8000</source>
      <translation>https://api.example.com/v1 或 http://gpu-box:8000</translation>
    </message>
    <message>
      <source>kept in the system keychain; empty if none is needed</source>
      <translation>保存在系统钥匙串中；不需要则留空</translation>
    </message>
    <message>
      <source>Fetch models and add</source>
      <translation>获取模型列表并添加</translation>
    </message>
    <message>
      <source>Base URL</source>
      <translation>基础 URL</translation>
    </message>
    <message>
      <source>API key</source>
      <translation>API 密钥</translation>
    </message>
    <message>
      <source>Select a provider to remove.</source>
      <translation>请选择要移除的远程服务。</translation>
    </message>
    <message>
      <source>You</source>
      <translation>你</translation>
    </message>
    <message>
      <source>System</source>
      <translation>系统</translation>
    </message>
    <message>
      <source>(stopped)</source>
      <translation>（已停止）</translation>
    </message>
    <message>
      <source>(interrupted)</source>
      <translation>（已中断）</translation>
    </message>
    <message>
      <source>a moment</source>
      <translation>片刻</translation>
    </message>
    <message>
      <source>Thinking… {time}</source>
      <translation>思考中… {time}</translation>
    </message>
    <message>
      <source>Thought for {time}</source>
      <translation>思考了 {time}</translation>
    </message>
    <message>
      <source>answered on this machine</source>
      <translation>由本机回答</translation>
    </message>
    <message>
      <source>the earliest message did not fit in the model's context</source>
      <translation>最早的一条消息超出了模型的上下文</translation>
    </message>
    <message>
      <source>Copy</source>
      <translation>复制</translation>
    </message>
    <message>
      <source>the {count} earliest messages did not fit in the model's context</source>
      <translation>最早的 {count} 条消息超出了模型的上下文</translation>
    </message>
    <message>
      <source>Edit</source>
      <translation>编辑</translation>
    </message>
    <message>
      <source>{seconds} s</source>
      <translation>{seconds} 秒</translation>
    </message>
    <message>
      <source>answered by {name}</source>
      <translation>由 {name} 回答</translation>
    </message>
    <message>
      <source>Copy code</source>
      <translation>复制代码</translation>
    </message>
    <message>
      <source>Search conversations — Fennec</source>
      <translation>搜索对话 — Fennec</translation>
    </message>
    <message>
      <source>Also search the models' thinking</source>
      <translation>同时搜索模型的思考内容</translation>
    </message>
    <message>
      <source>1 result</source>
      <translation>1 条结果</translation>
    </message>
    <message>
      <source>{count} results</source>
      <translation>{count} 条结果</translation>
    </message>
    <message>
      <source>Never (stay on this machine)</source>
      <translation>从不（留在本机）</translation>
    </message>
    <message>
      <source>Browse…</source>
      <translation>浏览…</translation>
    </message>
    <message>
      <source>e.g. You are a concise assistant for a triage nurse.</source>
      <translation>例如：你是分诊护士的简洁助手。</translation>
    </message>
    <message>
      <source>Settings — Fennec</source>
      <translation>设置 — Fennec</translation>
    </message>
    <message>
      <source>Remote providers…</source>
      <translation>远程服务…</translation>
    </message>
    <message>
      <source>OpenAI-compatible endpoints; their keys stay in the keychain</source>
      <translation>兼容 OpenAI 的接口；密钥保存在钥匙串中</translation>
    </message>
    <message>
      <source>Providers</source>
      <translation>远程服务</translation>
    </message>
    <message>
      <source>Model folder…</source>
      <translation>模型文件夹…</translation>
    </message>
    <message>
      <source>GGUF file…</source>
      <translation>GGUF 文件…</translation>
    </message>
    <message>
      <source>Fennec status</source>
      <translation>Fennec 状态</translation>
    </message>
    <message>
      <source>No model running</source>
      <translation>没有正在运行的模型</translation>
    </message>
    <message>
      <source>Temperature °C</source>
      <translation>温度 °C</translation>
    </message>
    <message>
      <source>Power W</source>
      <translation>功耗 W</translation>
    </message>
    <message>
      <source>Tokens/s</source>
      <translation>词元/秒</translation>
    </message>
    <message>
      <source>seconds ago</source>
      <translation>秒前</translation>
    </message>
    <message>
      <source>Preset: {preset} · temperature from {temperature} · power from {power}</source>
      <translation>模式：{preset} · 温度来源 {temperature} · 功耗来源 {power}</translation>
    </message>
    <message>
      <source>no sensor</source>
      <translation>无传感器</translation>
    </message>
    <message>
      <source>The model worker keeps stopping; giving up for now. Choose the model again to retry.</source>
      <translation>模型进程反复停止，暂时放弃。请重新选择模型以重试。</translation>
    </message>
    <message>
      <source>The model worker {how}; restarting…</source>
      <translation>模型进程{how}；正在重启…</translation>
    </message>
    <message>
      <source>Thermal status</source>
      <translation>散热状态</translation>
    </message>
    <message>
      <source>Pause</source>
      <translation>暂停</translation>
    </message>
    <message>
      <source>Status and graphs…</source>
      <translation>状态与图表…</translation>
    </message>
    <message>
      <source>Open Fennec</source>
      <translation>打开 Fennec</translation>
    </message>
    <message>
      <source>Fennec — tune a model</source>
      <translation>Fennec — 微调模型</translation>
    </message>
    <message>
      <source>Choose…</source>
      <translation>选择…</translation>
    </message>
    <message>
      <source>Keep the machine cool while training (governor)</source>
      <translation>训练时保持机器凉爽（调控器）</translation>
    </message>
    <message>
      <source>Start tuning</source>
      <translation>开始微调</translation>
    </message>
    <message>
      <source>Pick a base model and a JSONL file of examples.</source>
      <translation>请选择基础模型和一个 JSONL 示例文件。</translation>
    </message>
    <message>
      <source>A question to ask both models</source>
      <translation>向两个模型提出的问题</translation>
    </message>
    <message>
      <source>Try base and tuned</source>
      <translation>对比基础与微调模型</translation>
    </message>
    <message>
      <source>Base model</source>
      <translation>基础模型</translation>
    </message>
    <message>
      <source>Examples (JSONL)</source>
      <translation>示例（JSONL）</translation>
    </message>
    <message>
      <source>Adapter name</source>
      <translation>适配器名称</translation>
    </message>
    <message>
      <source>Steps</source>
      <translation>步数</translation>
    </message>
    <message>
      <source>Learning rate</source>
      <translation>学习率</translation>
    </message>
    <message>
      <source>Loading the model…</source>
      <translation>正在加载模型…</translation>
    </message>
    <message>
      <source>Stopping after this step…</source>
      <translation>将在本步之后停止…</translation>
    </message>
    <message>
      <source>&lt;h2&gt;What can I help with?&lt;/h2&gt;&lt;p&gt;Fennec answers with a model that runs entirely on this computer: nothing you type leaves it, and the laptop stays cool and quiet while it works.&lt;/p&gt;&lt;p&gt;Try one of these, or type your own below.&lt;/p&gt;</source>
      <translation>&lt;h2&gt;有什么可以帮你？&lt;/h2&gt;&lt;p&gt;Fennec 使用完全在这台电脑上运行的模型回答：你输入的内容不会离开本机，工作时笔记本也保持凉爽安静。&lt;/p&gt;&lt;p&gt;试试下面的问题，或在下方输入你自己的问题。&lt;/p&gt;</translation>
    </message>
    <message>
      <source>Explain how a fennec fox keeps cool in the desert</source>
      <translation>解释耳廓狐如何在沙漠中保持凉爽</translation>
    </message>
    <message>
      <source>Write a Python function that checks whether a word is a palindrome</source>
      <translation>写一个判断单词是否为回文的 Python 函数</translation>
    </message>
    <message>
      <source>Suggest three ideas for a quiet weekend at home</source>
      <translation>为在家安静度过的周末提三个建议</translation>
    </message>
    <message>
      <source>Summarise the pros and cons of running a language model locally</source>
      <translation>总结在本地运行语言模型的优缺点</translation>
    </message>
    <message>
      <source>&lt;h2&gt;Choose or download a model&lt;/h2&gt;&lt;p&gt;Fennec runs a model entirely on this computer.&lt;/p&gt;</source>
      <translation>&lt;h2&gt;选择或下载模型&lt;/h2&gt;&lt;p&gt;Fennec 完全在这台电脑上运行模型。&lt;/p&gt;</translation>
    </message>
    <message>
      <source>Send this question</source>
      <translation>发送这个问题</translation>
    </message>
    <message>
      <source>restarting…</source>
      <translation>正在重启…</translation>
    </message>
    <message>
      <source>Generation is paused.</source>
      <translation>生成已暂停。</translation>
    </message>
    <message>
      <source>Generation is paused — your answer starts when you resume.</source>
      <translation>生成已暂停 — 继续后开始回答。</translation>
    </message>
    <message>
      <source>Cooling down</source>
      <translation>正在降温</translation>
    </message>
    <message>
      <source>Cannot hold the temperature limit: paused</source>
      <translation>无法保持温度上限：已暂停</translation>
    </message>
    <message>
      <source>No temperature sensor: answers are paced carefully</source>
      <translation>没有温度传感器：回答速度会谨慎控制</translation>
    </message>
    <message>
      <source>No model yet</source>
      <translation>尚无模型</translation>
    </message>
    <message>
      <source>Resume</source>
      <translation>继续</translation>
    </message>
    <message>
      <source>Cooling down, about {seconds} s</source>
      <translation>正在降温，约 {seconds} 秒</translation>
    </message>
    <message>
      <source>Restarting the model…</source>
      <translation>正在重启模型…</translation>
    </message>
    <message>
      <source>Choose another model…</source>
      <translation>选择其他模型…</translation>
    </message>
    <message>
      <source>Model resting to save memory: the next message loads it</source>
      <translation>模型已休眠以节省内存：下一条消息会重新加载它</translation>
    </message>
    <message>
      <source>Loading {model}…</source>
      <translation>正在加载 {model}…</translation>
    </message>
    <message>
      <source>Ready · {model}</source>
      <translation>就绪 · {model}</translation>
    </message>
    <message>
      <source>Model folder, GGUF file or Hugging Face id</source>
      <translation>模型文件夹、GGUF 文件或 Hugging Face ID</translation>
    </message>
    <message>
      <source>A LoRA adapter tuned for this model (fennec tune list); empty: none</source>
      <translation>为此模型微调的 LoRA 适配器（fennec tune list）；留空：不使用</translation>
    </message>
    <message>
      <source>Engine</source>
      <translation>推理引擎</translation>
    </message>
    <message>
      <source>auto picks MLX on Apple Silicon, llama.cpp elsewhere</source>
      <translation>自动：Apple Silicon 上使用 MLX，其他平台使用 llama.cpp</translation>
    </message>
    <message>
      <source>MLX (Apple GPU)</source>
      <translation>MLX（Apple GPU）</translation>
    </message>
    <message>
      <source>llama.cpp (CPU)</source>
      <translation>llama.cpp（CPU）</translation>
    </message>
    <message>
      <source>Power mode</source>
      <translation>电源模式</translation>
    </message>
    <message>
      <source>Cool &amp; quiet keeps the laptop under 55 °C and about 18 W</source>
      <translation>凉爽安静模式让笔记本保持在 55 °C 以下、约 18 W</translation>
    </message>
    <message>
      <source>Cool &amp; quiet (55 °C, 18 W)</source>
      <translation>凉爽安静（55 °C，18 W）</translation>
    </message>
    <message>
      <source>Balanced (70 °C, 30 W)</source>
      <translation>均衡（70 °C，30 W）</translation>
    </message>
    <message>
      <source>Performance</source>
      <translation>性能</translation>
    </message>
    <message>
      <source>Temperature</source>
      <translation>温度（随机性）</translation>
    </message>
    <message>
      <source>Higher is more varied</source>
      <translation>越高回答越多样</translation>
    </message>
    <message>
      <source>Longest answer (tokens)</source>
      <translation>最长回答（词元）</translation>
    </message>
    <message>
      <source>Answers stop at this length</source>
      <translation>回答达到此长度时停止</translation>
    </message>
    <message>
      <source>Sent before every conversation</source>
      <translation>在每个对话开始前发送</translation>
    </message>
    <message>
      <source>Controlled temperature</source>
      <translation>受控温度</translation>
    </message>
    <message>
      <source>auto: the skin/enclosure sensor where the machine has one, else the hottest die</source>
      <translation>自动：有外壳传感器时使用它，否则使用最热的芯片</translation>
    </message>
    <message>
      <source>Skin / enclosure</source>
      <translation>外壳</translation>
    </message>
    <message>
      <source>Hottest die</source>
      <translation>最热的芯片</translation>
    </message>
    <message>
      <source>Language</source>
      <translation>语言</translation>
    </message>
    <message>
      <source>The window's language; takes effect on restart</source>
      <translation>窗口语言；重启后生效</translation>
    </message>
    <message>
      <source>System language</source>
      <translation>跟随系统</translation>
    </message>
    <message>
      <source>English</source>
      <translation>English</translation>
    </message>
    <message>
      <source>简体中文</source>
      <translation>简体中文</translation>
    </message>
    <message>
      <source>Closing the window</source>
      <translation>关闭窗口时</translation>
    </message>
    <message>
      <source>Platform default: keep running in the menu bar (macOS) or the tray (Linux); Fennec quits where there is no tray</source>
      <translation>平台默认：在菜单栏（macOS）或托盘（Linux）中继续运行；没有托盘时退出 Fennec</translation>
    </message>
    <message>
      <source>Platform default</source>
      <translation>平台默认</translation>
    </message>
    <message>
      <source>Keep running in the tray</source>
      <translation>在托盘中继续运行</translation>
    </message>
    <message>
      <source>Quit Fennec</source>
      <translation>退出 Fennec</translation>
    </message>
    <message>
      <source>Free the model after (idle minutes)</source>
      <translation>空闲多少分钟后释放模型</translation>
    </message>
    <message>
      <source>After this many minutes without a message the model's memory is freed; the next message loads it again. 0: keep it loaded</source>
      <translation>超过这么多分钟没有消息时释放模型占用的内存；下一条消息会重新加载。0：始终保持加载</translation>
    </message>
    <message>
      <source>Context (tokens)</source>
      <translation>上下文（词元）</translation>
    </message>
    <message>
      <source>How much of a conversation the model sees. 0: the model's trained length, capped by free memory. Longer chats leave their oldest messages out</source>
      <translation>模型能看到多少对话内容。0：模型的训练长度，受可用内存限制。更长的对话会省略最早的消息</translation>
    </message>
    <message>
      <source>KV cache precision</source>
      <translation>KV 缓存精度</translation>
    </message>
    <message>
      <source>Memory for the conversation the model holds: 8-bit takes about half of 16-bit's, 4-bit about a quarter, at a small cost in quality (the status shows MB per 1K tokens)</source>
      <translation>模型保存对话所用的内存：8 位约为 16 位的一半，4 位约为四分之一，质量略有损失（状态中显示每 1K 词元的 MB 数）</translation>
    </message>
    <message>
      <source>16-bit (full)</source>
      <translation>16 位（完整）</translation>
    </message>
    <message>
      <source>8-bit (about half)</source>
      <translation>8 位（约一半）</translation>
    </message>
    <message>
      <source>4-bit (about a quarter)</source>
      <translation>4 位（约四分之一）</translation>
    </message>
    <message>
      <source>Saved conversations (GB)</source>
      <translation>已保存的对话（GB）</translation>
    </message>
    <message>
      <source>Disk space for recent conversations' memory (KV cache), so continuing one after Fennec restarts needs no re-reading; least recently used go first. 0: none</source>
      <translation>用于保存最近对话记忆（KV 缓存）的磁盘空间，Fennec 重启后继续对话无需重新读取；最久未用的先删除。0：不保存</translation>
    </message>
    <message>
      <source>Automatic offload to</source>
      <translation>自动转交给</translation>
    </message>
    <message>
      <source>A remote provider's name: Allowed-remote conversations may go there by the rules below (never Local-only ones); empty: never automatically</source>
      <translation>远程服务名称：允许远程的对话可按下列规则转交过去（仅本机的对话永不转交）；留空：从不自动转交</translation>
    </message>
    <message>
      <source>Offload prompts over (tokens)</source>
      <translation>提示超过多少词元时转交</translation>
    </message>
    <message>
      <source>Allowed-remote conversations whose prompt is longer go to the offload provider; 0: never</source>
      <translation>提示更长的允许远程对话会转交给远程服务；0：从不</translation>
    </message>
    <message>
      <source>Offload when hot, under (tok/s)</source>
      <translation>过热时转交，低于（词元/秒）</translation>
    </message>
    <message>
      <source>When the governor holds generation under this speed (the laptop is hot), Allowed-remote conversations go to the offload provider; 0: never</source>
      <translation>当调控器把生成速度压到此值以下（笔记本过热）时，允许远程的对话会转交给远程服务；0：从不</translation>
    </message>
    <message>
      <source>History database</source>
      <translation>历史数据库</translation>
    </message>
    <message>
      <source>Where conversations are stored; empty: the standard place (takes effect on restart)</source>
      <translation>对话的存储位置；留空：标准位置（重启后生效）</translation>
    </message>
    <message>
      <source>Cool &amp; quiet</source>
      <translation>凉爽安静</translation>
    </message>
    <message>
      <source>Balanced</source>
      <translation>均衡</translation>
    </message>
    <message>
      <source>Today</source>
      <translation>今天</translation>
    </message>
    <message>
      <source>Yesterday</source>
      <translation>昨天</translation>
    </message>
    <message>
      <source>Previous 7 days</source>
      <translation>过去 7 天</translation>
    </message>
    <message>
      <source>Older</source>
      <translation>更早</translation>
    </message>
  </context>
</TS>
