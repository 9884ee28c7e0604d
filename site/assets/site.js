/* Tables on a narrow screen: each wide table scrolls inside its own region with its first column pinned
   (style.css); this adds the visible hint that more columns follow, while they do. Tables Jekyll writes from
   Markdown come bare: they get the same region first. No network, no dependencies. */
(function () {
  "use strict";
  var zh = /^zh/i.test(document.documentElement.lang || "");
  var HINT = zh ? "向右滑动查看更多列 →" : "Scroll right for more columns →";

  function region(table) {
    if (table.parentNode.classList.contains("table-scroll")) { return table.parentNode; }
    var wrap = document.createElement("div");
    wrap.className = "table-wrap";
    var scroll = document.createElement("div");
    scroll.className = "table-scroll";
    scroll.tabIndex = 0;
    scroll.setAttribute("role", "region");
    var caption = table.querySelector("caption");
    scroll.setAttribute("aria-label", caption ? caption.textContent : HINT);
    table.parentNode.insertBefore(wrap, table);
    wrap.appendChild(scroll);
    scroll.appendChild(table);
    return scroll;
  }

  function watch(scroll) {
    var wrap = scroll.parentNode;
    var hint = wrap.querySelector(".table-more");
    if (!hint) {
      hint = document.createElement("span");
      hint.className = "table-more";
      hint.setAttribute("aria-hidden", "true");
      hint.textContent = HINT;
      wrap.appendChild(hint);
    }
    function update() {
      var more = scroll.scrollLeft + scroll.clientWidth < scroll.scrollWidth - 2;
      wrap.classList.toggle("more", more);
      hint.hidden = !more;
    }
    scroll.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    update();
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
