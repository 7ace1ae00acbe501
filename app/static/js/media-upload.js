// Media library upload: drag and drop, one request per file with a progress bar.
// Without JavaScript the form posts all chosen files at once and works the same.
(function () {
  "use strict";
  var form = document.querySelector("form[data-media-upload]");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var input = form.querySelector('input[type="file"]');
  var zone = form.querySelector("[data-drop-zone]");
  var status = form.querySelector("[data-progress]");

  function line(text, kind) {
    var p = document.createElement("p");
    p.className = "media-upload__line" + (kind ? " media-upload__line--" + kind : "");
    p.textContent = text;
    status.appendChild(p);
    return p;
  }

  function sendOne(file) {
    return new Promise(function (resolve) {
      var row = line(file.name + " ");
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      row.appendChild(bar);
      var data = new FormData(form);
      data.delete("files");
      data.append("files", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) bar.value = Math.round((event.loaded / event.total) * 100);
      });
      xhr.addEventListener("load", function () {
        var answer = {};
        try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = {}; }
        bar.value = 100;
        if (xhr.status === 201) {
          row.textContent = file.name + ": uploaded";
          row.className += " media-upload__line--ok";
        } else {
          row.textContent = answer.error || (xhr.status === 413
            ? file.name + ": the file is larger than the upload limit. Nothing was saved."
            : file.name + ": the upload failed (" + xhr.status + ").");
          row.className += " media-upload__line--error";
        }
        resolve(xhr.status === 201);
      });
      xhr.addEventListener("error", function () {
        row.textContent = file.name + ": the connection failed.";
        row.className += " media-upload__line--error";
        resolve(false);
      });
      xhr.send(data);
    });
  }

  function sendAll(files) {
    if (!files.length) return;
    status.textContent = "";
    var chain = Promise.resolve(true);
    var ok = true;
    Array.prototype.forEach.call(files, function (file) {
      chain = chain.then(function () { return sendOne(file); }).then(function (done) { ok = ok && done; });
    });
    chain.then(function () {
      if (ok) {
        window.location.reload();
      } else {
        var a = document.createElement("a");
        a.href = window.location.href;
        a.textContent = "Show the library";
        line("").appendChild(a);
      }
    });
  }

  form.addEventListener("submit", function (event) {
    if (!input.files.length) return;
    event.preventDefault();
    sendAll(input.files);
  });
  if (zone) {
    zone.classList.add("media-upload__drop--active");
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("media-upload__drop--over");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("media-upload__drop--over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) sendAll(event.dataTransfer.files);
    });
  }
})();
