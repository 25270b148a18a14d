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

  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attach.call(this, init);
    try { observe(root); } catch (e) {}
    return root;
  };
  observe(document);
}
