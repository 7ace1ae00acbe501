// "Insert image" in the post and page forms: pick from the media library, put Markdown (or a
// figure with caption and credit) at the cursor, or use the image as the featured image.
// Without JavaScript the form keeps a link to the library, where each item shows its Markdown.
(function () {
  "use strict";
  var holder = document.querySelector("[data-media-insert]");
  if (!holder || !window.fetch || typeof HTMLDialogElement === "undefined") return;
  var body = document.getElementById(holder.getAttribute("data-body"));
  var featured = document.getElementById(holder.getAttribute("data-featured"));
  var libraryUrl = holder.getAttribute("data-library");
  if (!body) return;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text) node.textContent = text;
    return node;
  }

  var button = el("button", { type: "button", "class": "button button--secondary", "data-insert-image": "" }, "Insert image");
  var dialog = el("dialog", { "class": "media-picker", "aria-labelledby": "media-picker-title" });
  dialog.appendChild(el("h2", { id: "media-picker-title" }, "Insert an image from the library"));
  var search = el("input", { type: "search", "aria-label": "Search the library", placeholder: "Search title, alt text, file name" });
  var withCaption = el("input", { type: "checkbox", id: "media-picker-figure" });
  var captionLabel = el("label", { "for": "media-picker-figure" }, " as a figure with caption and credit");
  var note = el("p", { "class": "alt-warning", role: "status", "aria-live": "polite" });
  var grid = el("ul", { "class": "media-picker__grid" });
  var close = el("button", { type: "button", "class": "button button--secondary" }, "Close");
  [search, el("br"), withCaption, captionLabel, note, grid, close].forEach(function (n) { dialog.appendChild(n); });
  holder.textContent = "";
  holder.appendChild(button);
  holder.appendChild(dialog);

  function insertAtCursor(text) {
    var start = body.selectionStart || 0, end = body.selectionEnd || 0;
    var before = body.value.slice(0, start), after = body.value.slice(end);
    var prefix = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
    var suffix = after && !/^\n/.test(after) ? "\n\n" : "";
    body.value = before + prefix + text + suffix + after;
    var caret = (before + prefix + text).length;
    body.focus();
    body.setSelectionRange(caret, caret);
  }

  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function snippet(item) {
    if (withCaption.checked && (item.caption || item.credit)) {
      var caption = escapeHtml(item.caption || "");
      if (item.credit) caption += (caption ? " " : "") + "<small>" + escapeHtml(item.credit) + "</small>";
      return '<figure>\n<img src="' + item.url + '" alt="' + escapeHtml(item.alt || "") + '">\n<figcaption>' + caption + "</figcaption>\n</figure>";
    }
    return "![" + (item.alt || "").replace(/[\[\]]/g, "") + "](" + item.url + ")";
  }

  function choose(item) {
    insertAtCursor(snippet(item));
    dialog.close();
    if (item.needs_alt) {
      var warning = el("p", { "class": "alt-warning", role: "alert" },
        "“" + item.title + "” has no alt text: describe it between the brackets of ![…], or in the media library.");
      holder.appendChild(warning);
    }
  }

  function render(items) {
    grid.textContent = "";
    if (!items.length) grid.appendChild(el("li", {}, "No images found."));
    items.forEach(function (item) {
      var li = el("li");
      var pick = el("button", { type: "button", "data-media-id": String(item.id) });
      if (item.thumb) pick.appendChild(el("img", { src: item.thumb, alt: "", loading: "lazy" }));
      pick.appendChild(el("span", {}, item.title + (item.needs_alt ? " (no alt text)" : "")));
      pick.addEventListener("click", function () { choose(item); });
      li.appendChild(pick);
      if (featured) {
        var feature = el("button", { type: "button", "class": "link-button", "data-feature-id": String(item.id) }, "Use as featured image");
        feature.addEventListener("click", function () {
          featured.value = String(item.id);
          note.textContent = "“" + item.title + "” is now the featured image (save to keep it).";
        });
        li.appendChild(feature);
      }
      grid.appendChild(li);
    });
  }

  function load() {
    var url = libraryUrl + (libraryUrl.indexOf("?") === -1 ? "?" : "&") + "q=" + encodeURIComponent(search.value);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) { render(data.items || []); })
      .catch(function () { grid.textContent = "The library could not be loaded."; });
  }

  var timer = null;
  search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(load, 250); });
  button.addEventListener("click", function () { note.textContent = ""; dialog.showModal(); load(); search.focus(); });
  close.addEventListener("click", function () { dialog.close(); });
})();
