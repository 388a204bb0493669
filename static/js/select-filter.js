/* A search box above every <select data-filter>: typing a code or a word narrows the options (and their
   <optgroup>s). Without JavaScript the plain <select> works as it is. Options are removed and put back rather
   than hidden, because some browsers ignore hidden <option>s. No framework, no inline script (CSP). */
(function () {
  "use strict";

  function snapshot(select) {
    var items = [];
    Array.prototype.forEach.call(select.children, function (node) {
      if (node.tagName === "OPTGROUP") {
        items.push({group: node, options: Array.prototype.slice.call(node.children)});
      } else {
        items.push({option: node});
      }
    });
    return items;
  }

  function matches(option, words) {
    if (!option.value || option.selected) {
      return true;
    }
    var text = (option.value + " " + option.textContent).toLowerCase();
    return words.every(function (word) { return text.indexOf(word) !== -1; });
  }

  function apply(select, items, term) {
    var words = term.toLowerCase().split(/\s+/).filter(Boolean);
    var count = 0;
    select.textContent = "";
    items.forEach(function (item) {
      if (item.option) {
        if (matches(item.option, words)) {
          select.appendChild(item.option);
        }
        return;
      }
      item.group.textContent = "";
      var groupHit = words.length && words.every(function (word) {
        return item.group.label.toLowerCase().indexOf(word) !== -1;
      });
      item.options.forEach(function (option) {
        if (groupHit || matches(option, words)) {
          item.group.appendChild(option);
          if (option.value) { count += 1; }
        }
      });
      if (item.group.children.length) {
        select.appendChild(item.group);
      }
    });
    return count;
  }

  function enhance(select) {
    var items = snapshot(select);
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1";
    box.setAttribute("aria-controls", select.id);
    box.setAttribute("aria-label", select.getAttribute("data-filter-label") || "");
    box.placeholder = select.getAttribute("data-filter-label") || "";
    box.id = select.id + "_search";
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var count = apply(select, items, box.value);
      if (box.value && count === 1 && !select.value) {
        var only = select.querySelector("option:not([value=''])");
        if (only) { only.selected = true; }
      }
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); select.focus(); }
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("select[data-filter]"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
