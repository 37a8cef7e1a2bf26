// The community site's one script. Every page works without it; it only adds:
// - quoting the part of a post the reader selected (the "Quote" link quotes the whole post
//   otherwise; the server quotes a part only if the post really has it);
// - drafts: what is typed in a post's box is kept in this browser until it is sent.
"use strict";
(function () {
  var selected = "";
  // A click on a link clears the selection: remember it when the button goes down.
  document.addEventListener("mousedown", function (event) {
    var link = event.target.closest && event.target.closest("a.quote-link");
    if (!link) return;
    var selection = window.getSelection && window.getSelection();
    var post = link.closest("li.post");
    var body = post && post.querySelector(".body");
    selected = "";
    if (selection && body && !selection.isCollapsed && body.contains(selection.anchorNode)) {
      selected = String(selection).trim().slice(0, 2000);
    }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.quote-link");
    if (!link || !selected) return;
    event.preventDefault();
    var url = new URL(link.href, window.location.href);
    url.searchParams.set("part", selected);
    window.location.href = url.toString();
  });

  var storage = null;
  try {
    storage = window.localStorage;
  } catch (error) {
    storage = null;
  }
  if (!storage) return;
  var brand = document.querySelector("a.brand");
  var scope = "jardinier-draft:" + (brand ? brand.getAttribute("href") : "") + ":";
  document.querySelectorAll("textarea[data-draft]").forEach(function (area) {
    var key = scope + area.getAttribute("data-draft");
    if (!area.value.trim()) {
      var kept = storage.getItem(key);
      if (kept) area.value = kept;
    }
    var timer = null;
    area.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        if (area.value.trim()) storage.setItem(key, area.value);
        else storage.removeItem(key);
      }, 400);
    });
    if (area.form) {
      area.form.addEventListener("submit", function (event) {
        // Preview keeps the draft; sending the post forgets it.
        var by = event.submitter;
        if (!by || by.name !== "preview") storage.removeItem(key);
      });
    }
  });
})();
