// Installed in every frame before the page's own scripts run (context.add_init_script).
// Watches the document and every shadow root created later (open or closed) with a
// MutationObserver, and stamps each new chat message with this page's clock (Date.now(),
// ms) at the moment it appears: the timing never depends on how often Python looks.
// `config` = {binding, recipes: [{name, item, visitor, agent, bot, system, text, author_name, ignore}]}.
(config) => {
  const SIDES = ["system", "bot", "visitor", "agent"];
  const frameKey = Math.random().toString(36).slice(2, 10);
  const ids = new WeakMap();
  const reported = new Map();
  let counter = 0;
  const backlog = [];

  function send(event) {
    const binding = window[config.binding];
    if (typeof binding === "function") {
      while (backlog.length) binding(backlog.shift());
      binding(event);
    } else {
      backlog.push(event);
      setTimeout(() => { if (backlog.length) send(backlog.pop()); }, 50);
    }
  }

  function clean(text) {
    return (text || "").replace(/[ \t\u00a0]+/g, " ").replace(/\s*\n\s*/g, "\n").trim();
  }

  function safeClosest(el, selector) {
    if (!selector) return null;
    try { return el.closest(selector); } catch (e) { return null; }
  }

  function textOf(el, recipe) {
    if (recipe.text) {
      try {
        const part = el.querySelector(recipe.text);
        if (part) return clean(part.innerText);
      } catch (e) { /* an invalid selector is reported by the schema test */ }
    }
    let text = el.innerText;
    if (recipe.author_name) {
      try {
        const name = el.querySelector(recipe.author_name);
        if (name && name.innerText) text = text.replace(name.innerText, "");
      } catch (e) {}
    }
    return clean(text);
  }

  function nameOf(el, recipe) {
    if (!recipe.author_name) return null;
    try {
      const name = el.querySelector(recipe.author_name);
      return name ? clean(name.innerText) || null : null;
    } catch (e) { return null; }
  }

  function consider(el, recipe, stamp) {
    if (safeClosest(el, recipe.ignore)) return;
    const parent = el.parentElement;
    if (parent && safeClosest(parent, recipe.item)) return; // only the outermost match is a message
    const text = textOf(el, recipe);
    if (!text) return; // an empty bubble is filled later; it counts when its text appears
    if (!ids.has(el)) ids.set(el, frameKey + "-" + (++counter));
    const id = ids.get(el);
    const key = recipe.name + "|" + id;
    const before = reported.get(key);
    if (before === text) return;
    reported.set(key, text);
    let side = "unknown";
    for (const candidate of SIDES) {
      if (safeClosest(el, recipe[candidate])) { side = candidate; break; }
    }
    send({
      kind: before === undefined ? "message" : "update",
      recipe: recipe.name, id: id, side: side, name: nameOf(el, recipe), text: text, at: stamp,
      frame: location.href,
    });
  }

  function examine(node, stamp) {
    const el = node.nodeType === 1 ? node : node.parentElement;
    if (!el) return;
    for (const recipe of config.recipes) {
      const owner = safeClosest(el, recipe.item);
      if (owner) consider(owner, recipe, stamp);
      if (node.nodeType === 1) {
        let inner = [];
        try { inner = node.querySelectorAll(recipe.item); } catch (e) {}
        for (const item of inner) consider(item, recipe, stamp);
      }
    }
  }

  function observe(root) {
    new MutationObserver((mutations) => {
      const stamp = Date.now();
      for (const mutation of mutations) {
        examine(mutation.target, stamp);
        for (const node of mutation.addedNodes) examine(node, stamp);
      }
    }).observe(root, { childList: true, subtree: true, characterData: true });
  }

  // -- learning mode (widgets no recipe describes) ------------------------------------------
  // Once armed (just before the probe's first message) every visible block of text that
  // appears or changes is reported with its ancestry and position; Python tells the sides
  // apart by comparing that markup with the markup of the text the probe typed. What is on
  // the page when arming is furniture: re-rendered unchanged, it is flagged as such.
  const roots = [];
  const nodeIds = new WeakMap();
  const blockTexts = new WeakMap();
  const pending = new Map();
  let ticking = null; // the timer looking at pending blocks, running only while there are some
  let nodeCounter = 0;
  let armed = false;
  let furniture = new Set();
  const SKIP = "input,textarea,select,option,button,script,style,noscript,template,svg,[contenteditable]:not([contenteditable='false']),[role='textbox'],[aria-hidden='true']";
  const INLINE = new Set(["inline", "contents"]);

  function fold(text) { return clean(text).toLowerCase(); }
  function nodeId(el) {
    if (!nodeIds.has(el)) nodeIds.set(el, frameKey + "." + (++nodeCounter));
    return nodeIds.get(el);
  }
  function up(el) {
    if (el.parentElement) return el.parentElement;
    const parent = el.parentNode;
    return parent && parent.host ? parent.host : null;
  }
  function display(el) {
    try { return getComputedStyle(el).display; } catch (e) { return "block"; }
  }
  function blockOf(el) {
    while (el && INLINE.has(display(el)) && up(el)) el = up(el);
    return el;
  }
  function blockText(block) {
    let text = "";
    const walk = (node) => {
      for (const child of node.childNodes) {
        if (child.nodeType === 3) text += child.data;
        else if (child.nodeType === 1) {
          if (child.matches(SKIP)) continue;
          if (child.tagName === "BR") { text += "\n"; continue; }
          if (INLINE.has(display(child))) walk(child);
        }
      }
    };
    walk(block);
    return clean(text);
  }
  function shown(el) {
    const box = el.getBoundingClientRect();
    if (box.width <= 2 || box.height <= 2) return false;
    try { return el.checkVisibility({ visibilityProperty: true }); } catch (e) { return true; }
  }
  function chainOf(el) {
    const chain = [];
    for (let node = el; node && chain.length < 40; node = up(node)) {
      const box = node.getBoundingClientRect();
      const data = [];
      for (const attr of node.attributes || []) {
        if (attr.name.startsWith("data-") && attr.value.length < 40) data.push(attr.name + "=" + attr.value);
      }
      chain.push({
        i: nodeId(node), t: node.tagName.toLowerCase(), c: String(node.getAttribute("class") || ""),
        r: node.getAttribute("role") || "", d: data.slice(0, 6).join(" "),
        x: Math.round(box.left), w: Math.round(box.width),
      });
    }
    return chain;
  }
  function reportBlock(block, stamp) {
    if (!block || !block.isConnected) return;
    try { if (block.closest(SKIP)) return; } catch (e) { return; }
    const text = blockText(block);
    if (!text) return;
    if (!shown(block)) { if (!pending.has(block)) pending.set(block, stamp); tick(); return; }
    const before = blockTexts.get(block);
    if (before === text) return;
    blockTexts.set(block, text);
    send({
      kind: "leaf", id: nodeId(block), text: text, at: stamp, frame: location.href,
      furniture: before === undefined && furniture.has(fold(text)), update: before !== undefined,
      chain: chainOf(block),
    });
  }
  function textNodes(node, found) {
    if (node.nodeType === 3) { found.add(node.parentElement || (node.parentNode && node.parentNode.host)); return; }
    if (node.nodeType !== 1 && node.nodeType !== 11) return;
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) if (t.data.trim()) found.add(t.parentElement);
    if (node.nodeType === 1 && node.shadowRoot) textNodes(node.shadowRoot, found);
  }
  function learn(mutations, stamp) {
    const parents = new Set();
    for (const mutation of mutations) {
      if (mutation.type === "characterData") textNodes(mutation.target, parents);
      else for (const node of mutation.addedNodes) textNodes(node, parents);
    }
    const blocks = new Set();
    for (const el of parents) if (el) blocks.add(blockOf(el));
    for (const block of blocks) reportBlock(block, stamp);
  }
  // Blocks added hidden are looked at every 100 ms until shown or gone; with none pending, the page
  // runs no timer at all, so an open chat costs nothing while it waits for the company.
  function tick() {
    if (ticking !== null || !pending.size) return;
    ticking = setInterval(() => {
      if (!armed) return;
      for (const block of [...pending.keys()]) {
        if (!block.isConnected) { pending.delete(block); continue; }
        if (shown(block)) { pending.delete(block); reportBlock(block, Date.now()); }
      }
      if (!pending.size) { clearInterval(ticking); ticking = null; }
    }, 100);
  }
  window[config.binding + "_arm"] = () => {
    if (armed) return;
    const found = new Set();
    for (const root of roots) textNodes(root === document ? document.documentElement : root, found);
    for (const el of found) if (el) furniture.add(fold(blockText(blockOf(el))));
    armed = true;
  };

  function watch(root) {
    roots.push(root);
    new MutationObserver((mutations) => {
      if (!armed) return;
      try { learn(mutations, Date.now()); } catch (e) {}
    }).observe(root, { childList: true, subtree: true, characterData: true });
  }

  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attach.call(this, init);
    try { observe(root); watch(root); } catch (e) {}
    return root;
  };
  observe(document);
  watch(document);
}
