// The community site's one script. Every page works without it; it only adds:
// - quoting the part of a post the reader selected (the "Quote" link quotes the whole post
//   otherwise; the server quotes a part only if the post really has it).
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
})();
