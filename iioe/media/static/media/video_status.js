/* Keeps the conversion state of videos on staff pages up to date.

   Each box drawn by media/_video_status.html that names a status address
   is asked about every 2 seconds while its video waits or converts: the
   progress bar moves in place, and the whole box is redrawn from the
   server's HTML when the status changes. A box whose video is gone (an
   upload that has replaced the lesson’s video) reloads the page. */
(function () {
  "use strict";

  var EVERY_MS = 2000;

  function schedule(box) {
    if (box.getAttribute("data-status-url")) {
      window.setTimeout(function () { ask(box); }, EVERY_MS);
    }
  }

  function ask(box) {
    window.fetch(box.getAttribute("data-status-url"), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store"
    }).then(function (response) {
      if (response.status === 404) {
        window.location.reload();
        return null;
      }
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      return response.json();
    }).then(function (data) {
      if (data) {
        update(box, data);
      }
    }).catch(function () {
      /* A dropped request is asked again at the next turn. */
      schedule(box);
    });
  }

  function update(box, data) {
    var holder = document.createElement("div");
    holder.innerHTML = data.html;
    var fresh = holder.querySelector("[data-video-status]");
    if (!fresh) {
      return;
    }
    if (fresh.getAttribute("data-status") === box.getAttribute("data-status")) {
      var bar = box.querySelector("progress");
      var text = box.querySelector("[data-progress-text]");
      var freshText = fresh.querySelector("[data-progress-text]");
      if (bar) {
        bar.value = data.progress;
      }
      if (text && freshText) {
        text.textContent = freshText.textContent;
      }
    } else {
      box.innerHTML = fresh.innerHTML;
      box.setAttribute("data-status", fresh.getAttribute("data-status"));
    }
    var url = fresh.getAttribute("data-status-url");
    if (url) {
      box.setAttribute("data-status-url", url);
    } else {
      box.removeAttribute("data-status-url");
    }
    schedule(box);
  }

  Array.prototype.forEach.call(
    document.querySelectorAll("[data-video-status]"),
    schedule
  );
}());
