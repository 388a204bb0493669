/* While a merchant writes a complaint, ask the help centre for matching articles (portal:help-suggest answers an
   HTML fragment rendered and escaped by the server) and show them above the form. Progressive enhancement: without
   JavaScript the first "Next" shows the same suggestions. No framework, no inline script (CSP). */
(function () {
  "use strict";

  function setUp(form) {
    var url = form.getAttribute("data-suggest-url");
    var target = document.getElementById(form.getAttribute("data-suggest-target"));
    var fields = ["subject", "description"].map(function (name) { return form.elements[name]; }).filter(Boolean);
    if (!url || !target || !fields.length || !window.fetch) {
      return;
    }
    var timer = null;
    var asked = "";

    function ask() {
      var text = fields.map(function (field) { return field.value; }).join(" ").trim();
      if (text.length < 4 || text === asked) {
        return;
      }
      asked = text;
      fetch(url + "?q=" + encodeURIComponent(text.slice(0, 1000)), {credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          if (text === asked) {
            target.innerHTML = html;
          }
        })
        .catch(function () { /* suggestions are a help, never a requirement */ });
    }

    fields.forEach(function (field) {
      field.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(ask, 600);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-suggest-url]"), setUp);
  });
}());
