// The bridge between a third-party widget and the scripted operator on this loopback server.
// Only transport: what the widget shows and how is the widget's own code.
window.Operator = function (widget) {
  const session = Math.random().toString(36).slice(2, 12);
  const op = {
    onMessage: null,
    send(text) {
      return fetch("/api/" + widget + "/send", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ session: session, text: text }),
      });
    },
  };
  const events = new EventSource("/api/" + widget + "/events?session=" + session);
  events.onmessage = (e) => { if (op.onMessage) op.onMessage(JSON.parse(e.data)); };
  return op;
};
