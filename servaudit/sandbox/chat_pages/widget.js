// The sandbox's chat widget: one script, two skins (a generic hand-made widget and a
// Userlike-shaped one), rendered into the page, into a shadow root, or inside an iframe.
// It behaves like real widgets do: optimistic echo of the visitor's message, answers pushed
// over Server-Sent Events or fetched by polling every few seconds.
(function () {
  const script = document.currentScript;
  const slug = script.dataset.company;
  const mode = script.dataset.mode || "light";
  const skin = script.dataset.skin || "generic";
  const api = "/api/" + slug;

  const SKINS = {
    generic: {
      html: `
        <style>
          .chat-launcher { position: fixed; right: 20px; bottom: 20px; padding: 12px 18px; border-radius: 24px;
            background: #1d4ed8; color: #fff; border: 0; font: 15px sans-serif; cursor: pointer; }
          .chat-panel { position: fixed; right: 20px; bottom: 80px; width: 340px; max-height: 480px; overflow: auto;
            background: #fff; border: 1px solid #ccc; border-radius: 8px; font: 14px sans-serif; padding: 8px; }
          .chat-log { list-style: none; padding: 0; margin: 0 0 8px; }
          .chat-msg { margin: 4px 0; padding: 6px 8px; border-radius: 6px; background: #eef; }
          .chat-msg.from-visitor { background: #dbeafe; text-align: right; }
          .chat-msg.from-system { background: none; color: #666; font-size: 12px; }
          .chat-author { display: block; font-size: 11px; color: #555; }
          .chat-input { width: 100%; box-sizing: border-box; height: 60px; }
          [hidden] { display: none !important; }
        </style>
        <button class="chat-launcher" aria-label="Open chat">Chat</button>
        <div class="chat-panel" hidden>
          <div class="chat-header"><strong>Customer service</strong></div>
          <div class="chat-offline" hidden>
            <p class="offline-text"></p>
            <form class="offline-form"><input name="name" placeholder="Name"><input type="email" name="email"
              placeholder="E-mail"><textarea name="message"></textarea><button type="submit">Send</button></form>
          </div>
          <form class="prechat-form" hidden>
            <label>Name <input name="name" required></label>
            <label>E-mail <input type="email" name="email" required></label>
            <label>Topic <select name="topic" required><option value="">Please choose</option>
              <option value="contract">Contract and tariff</option><option value="delivery">Delivery and shipping</option>
              <option value="invoice">Invoice</option></select></label>
            <button type="submit">Start chat</button>
          </form>
          <ol class="chat-log" role="log" aria-live="polite" hidden></ol>
          <div class="chat-compose" hidden>
            <textarea class="chat-input" placeholder="Type your message…"></textarea>
            <button class="chat-send" aria-label="Send">Send</button>
          </div>
        </div>`,
      launcher: ".chat-launcher", panel: ".chat-panel", offline: ".chat-offline", offlineText: ".offline-text",
      prechat: ".prechat-form", log: ".chat-log", compose: ".chat-compose", input: ".chat-input", send: ".chat-send",
      message(author, name, text) {
        const li = document.createElement("li");
        li.className = "chat-msg from-" + author;
        li.dataset.author = author;
        if (name) { const n = document.createElement("span"); n.className = "chat-author"; n.textContent = name; li.append(n); }
        const t = document.createElement("span"); t.className = "chat-text"; t.textContent = text; li.append(t);
        return li;
      },
      typing() { const li = document.createElement("li"); li.className = "typing-indicator"; li.textContent = "…"; return li; },
    },
    userlike: {
      html: `
        <style>
          body { margin: 0; font: 14px sans-serif; }
          [data-testid=button-launcher] { position: fixed; right: 10px; bottom: 10px; width: 56px; height: 56px;
            border-radius: 50%; background: #0f766e; color: #fff; border: 0; cursor: pointer; }
          .uslk-window { position: fixed; left: 0; top: 0; right: 0; bottom: 76px; overflow: auto; background: #fff; }
          [data-testid=message] { margin: 6px; padding: 6px; background: #f0fdfa; border-radius: 6px; }
          [data-sender-type=client] { background: #ccfbf1; text-align: right; }
          [hidden] { display: none !important; }
        </style>
        <button data-testid="button-launcher" aria-label="Nachricht an uns">?</button>
        <div class="uslk-window" hidden>
          <div data-testid="offline-notice" hidden><p class="uslk-offline-text"></p></div>
          <div class="uslk-conversation" hidden></div>
          <div class="uslk-composer" hidden>
            <textarea data-testid="composer-input" name="message" rows="2"></textarea>
            <button data-testid="composer-send" aria-label="Senden">&gt;</button>
          </div>
        </div>`,
      launcher: "[data-testid=button-launcher]", panel: ".uslk-window", offline: "[data-testid=offline-notice]",
      offlineText: ".uslk-offline-text", prechat: null, log: ".uslk-conversation", compose: ".uslk-composer",
      input: "[data-testid=composer-input]", send: "[data-testid=composer-send]",
      message(author, name, text) {
        const types = { visitor: "client", agent: "operator", bot: "chatbot", system: "system" };
        const div = document.createElement("div");
        div.dataset.testid = "message";
        div.dataset.senderType = types[author];
        if (name) { const n = document.createElement("span"); n.dataset.testid = "message-sender-name"; n.textContent = name; div.append(n); }
        const p = document.createElement("p"); p.dataset.testid = "message-text"; p.textContent = text; div.append(p);
        return div;
      },
      typing() { const d = document.createElement("div"); d.dataset.testid = "typing-indicator"; d.textContent = "…"; return d; },
    },
  };

  function start() {
    const s = SKINS[skin];
    let root;
    if (mode === "shadow") {
      const hostEl = document.createElement("div");
      hostEl.id = "service-widget";
      document.body.append(hostEl);
      root = hostEl.attachShadow({ mode: "open" });
    } else {
      root = document.createElement("div");
      document.body.append(root);
    }
    root.innerHTML = s.html;
    const $ = (sel) => root.querySelector(sel);
    if (script.dataset.launcher === "div") {
      // A launcher many sites have: a styled div with a click handler, which Tab never reaches.
      const button = $(s.launcher);
      const div = document.createElement("div");
      div.className = button.className;
      div.textContent = button.textContent;
      button.replaceWith(div);
    }
    const log = $(s.log);
    let session = null;
    let shown = 0;
    let typing = null;

    function add(author, name, text) {
      if (typing) { typing.remove(); typing = null; }
      log.append(s.message(author, name, text));
    }
    function receive(items) {
      for (const m of items) {
        if (m.seq < shown) continue;
        shown = m.seq + 1;
        add(m.author, m.name, m.text);
      }
    }
    function connect(cfg) {
      if (cfg.transport === "push") {
        const source = new EventSource(api + "/" + session + "/events");
        source.onmessage = (e) => receive([JSON.parse(e.data)]);
      } else {
        const poll = () => fetch(api + "/" + session + "/messages?after=" + shown)
          .then((r) => r.json()).then(receive).catch(() => {});
        setInterval(poll, cfg.poll_seconds * 1000);
      }
    }
    function begin(cfg, details) {
      fetch(api + "/session", { method: "POST", body: JSON.stringify(details || {}) })
        .then((r) => r.json()).then((data) => {
          session = data.session;
          if (s.prechat) $(s.prechat).hidden = true;
          log.hidden = false;
          $(s.compose).hidden = false;
          for (const g of cfg.welcome) add(g.author, g.name, g.text);
          connect(cfg);
        });
    }
    function sendMessage() {
      const input = $(s.input);
      const text = input.value.trim();
      if (!text || !session) return;
      input.value = "";
      add("visitor", null, text);
      typing = s.typing();
      log.append(typing);
      fetch(api + "/" + session + "/messages", { method: "POST", body: JSON.stringify({ text: text }) });
    }
    $(s.send).addEventListener("click", sendMessage);
    $(s.input).addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); sendMessage(); }
    });
    $(s.launcher).addEventListener("click", () => {
      fetch(api + "/config").then((r) => r.json()).then((cfg) => {
        $(s.panel).hidden = false;
        if (!cfg.online) {
          $(s.offline).hidden = false;
          $(s.offlineText).textContent = cfg.offline_text;
          return;
        }
        if (cfg.prechat && s.prechat) {
          const form = $(s.prechat);
          form.hidden = false;
          form.addEventListener("submit", (e) => {
            e.preventDefault();
            begin(cfg, Object.fromEntries(new FormData(form)));
          });
          return;
        }
        begin(cfg, {});
      });
    });
  }

  const delay = Number(script.dataset.delay || 0);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => setTimeout(start, delay));
  else setTimeout(start, delay);
})();
