// The whole page is built here: a static crawler sees none of it.
(function () {
  var app = document.getElementById("app");
  var mail = ["hallo", "spa.example"].join("@");
  app.innerHTML =
    '<h1>Spa Kosmetik</h1>' +
    '<p>Beratung: <a href="tel:+498005556667">0800 555 6667</a></p>' +
    '<p><a href="mailto:' + mail + '">' + mail + '</a></p>' +
    '<a href="/kontakt">Kontakt</a>';
  var widget = document.createElement("script");
  widget.src = "https://code.tidio.co/spa-kosmetik-key.js";
  widget.async = true;
  document.body.appendChild(widget);
})();
