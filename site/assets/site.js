/* Tables: each wide table scrolls inside its own region with its first column pinned and its header row sticky
   (style.css); this adds, above the table, the hint that more columns follow (while they do) and, for a long
   table, a box that filters its rows by a typed name. On a wide screen a table wider than the text column gets
   the window's width. Tables Jekyll writes from Markdown come bare: they get the same region first. The words
   are the page's (<script id="page-words">, i18n.PAGE_WORDS). No network, no dependencies. */
(function () {
  "use strict";
  var LONG_ROWS = 20;  // a table with more body rows than this scrolls inside a region of its own height
  var zh = /^zh/i.test(document.documentElement.lang || "");
  var WORDS = {};
  try {
    var words = document.getElementById("page-words");
    if (words) { WORDS = JSON.parse(words.textContent); }
  } catch (error) { WORDS = {}; }
  var FALLBACK = {
    "table.more": zh ? "向右滑动查看更多列 →" : "Scroll right for more columns →",
    "table.filter": zh ? "按名称筛选" : "Filter by name",
    "table.filter-placeholder": zh ? "输入模型名，如 Qwen" : "Type a model name, e.g. Qwen",
    "table.shown": zh ? "显示 {shown} / {total} 行" : "{shown} of {total} rows",
    "table.none": zh ? "没有名称含 “{text}” 的行" : "No row names contain “{text}”",
  };
  function word(key, values) {
    var text = WORDS[key] || FALLBACK[key] || key;
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(values[name]); });
    return text;
  }

  function region(table) {
    if (table.parentNode.classList.contains("table-scroll")) { return table.parentNode; }
    var wrap = document.createElement("div");
    wrap.className = "table-wrap";
    var scroll = document.createElement("div");
    scroll.className = "table-scroll";
    scroll.tabIndex = 0;
    scroll.setAttribute("role", "region");
    var caption = table.querySelector("caption");
    scroll.setAttribute("aria-label", caption ? caption.textContent : word("table.more"));
    table.parentNode.insertBefore(wrap, table);
    wrap.appendChild(scroll);
    scroll.appendChild(table);
    return scroll;
  }

  var count = 0;

  // The row's name: its row-header cells (a model, a model and its quantization).
  function rowName(row) {
    var cells = row.querySelectorAll("th");
    var names = [];
    for (var i = 0; i < cells.length; i++) { names.push(cells[i].textContent); }
    return (names.length ? names.join(" ") : (row.cells[0] ? row.cells[0].textContent : "")).toLowerCase();
  }

  function filterBox(tools, table) {
    var rows = Array.prototype.slice.call(table.tBodies.length ? table.tBodies[0].rows : []);
    if (rows.length <= LONG_ROWS) { return; }
    count += 1;
    var id = "table-filter-" + count;
    var label = document.createElement("label");
    label.className = "table-filter";
    label.setAttribute("for", id);
    label.textContent = word("table.filter");
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.placeholder = word("table.filter-placeholder");
    input.setAttribute("autocomplete", "off");
    input.setAttribute("spellcheck", "false");
    var status = document.createElement("span");
    status.className = "table-count";
    status.setAttribute("aria-live", "polite");
    label.appendChild(input);
    tools.insertBefore(label, tools.firstChild);
    tools.insertBefore(status, label.nextSibling);
    var names = rows.map(rowName);
    function apply() {
      var terms = input.value.toLowerCase().split(/\s+/).filter(function (t) { return t.length > 0; });
      var shown = 0;
      rows.forEach(function (row, index) {
        var match = terms.every(function (t) { return names[index].indexOf(t) >= 0; });
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      status.textContent = !terms.length ? "" : shown ? word("table.shown", { shown: shown, total: rows.length })
        : word("table.none", { text: input.value.trim() });
      table.classList.toggle("filtered", terms.length > 0);
    }
    input.addEventListener("input", apply);
    apply();
  }

  // A table wider than the text column may use the window's width on a wide screen (centred on the window).
  function widen(wrap, scroll) {
    wrap.style.width = "";
    wrap.style.marginLeft = "";
    var viewport = document.documentElement.clientWidth;
    if (viewport < 1000) { return; }
    var column = wrap.getBoundingClientRect();
    // The table's own width with nothing squeezed (its widest cells on one line).
    var table = scroll.querySelector("table");
    if (table) { table.style.width = "max-content"; }
    var needed = Math.max(scroll.scrollWidth, table ? table.getBoundingClientRect().width : 0) + 2;
    if (table) { table.style.width = ""; }
    if (needed <= column.width + 1) { return; }
    var width = Math.min(needed, viewport - 32);
    var left = Math.max(16, (viewport - width) / 2);
    wrap.style.width = width + "px";
    wrap.style.marginLeft = (left - column.left + parseFloat(getComputedStyle(wrap).marginLeft || "0")) + "px";
  }

  function watch(scroll) {
    var wrap = scroll.parentNode;
    var table = scroll.querySelector("table");
    // The tools row above the table: the filter of a long table, and the hint that more columns follow.
    var tools = wrap.querySelector(".table-tools");
    if (!tools) {
      tools = document.createElement("div");
      tools.className = "table-tools";
      wrap.insertBefore(tools, wrap.firstChild);
    }
    var frame = scroll.parentNode.classList.contains("table-frame") ? scroll.parentNode : null;
    if (!frame) {
      frame = document.createElement("div");
      frame.className = "table-frame";
      wrap.insertBefore(frame, scroll);
      frame.appendChild(scroll);
    }
    var hint = wrap.querySelector(".table-more");
    if (!hint) {
      hint = document.createElement("span");
      hint.className = "table-more";
      hint.setAttribute("aria-hidden", "true");
      hint.textContent = word("table.more");
      tools.appendChild(hint);
    }
    if (table && table.tBodies.length && table.tBodies[0].rows.length > LONG_ROWS) {
      scroll.classList.add("long");
    }
    if (table) { filterBox(tools, table); }
    function update() {
      var more = scroll.scrollLeft + scroll.clientWidth < scroll.scrollWidth - 2;
      wrap.classList.toggle("more", more);
      hint.hidden = !more;
      tools.hidden = !more && !tools.querySelector(".table-filter");
    }
    function layout() { widen(wrap, scroll); update(); }
    scroll.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", layout);
    layout();
  }

  function setUp() {
    Array.prototype.forEach.call(document.querySelectorAll("main table"), function (table) {
      watch(region(table));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
