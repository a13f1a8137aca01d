/* Controls of the lesson video: captions, speed and resolution, and saving
   where the learner stopped. The markup and every string come from the page
   (media/_player.html); without this script the browser's own controls and
   caption menu still work. */
(function () {
  "use strict";

  var SAVE_EVERY_MS = 10000;
  var PREFS_KEY = "iioe.player";

  function loadPrefs() {
    try {
      return JSON.parse(window.localStorage.getItem(PREFS_KEY)) || {};
    } catch (error) {
      return {};
    }
  }

  function savePref(name, value) {
    var prefs = loadPrefs();
    prefs[name] = value;
    try {
      window.localStorage.setItem(PREFS_KEY, JSON.stringify(prefs));
    } catch (error) {
      /* Private browsing may refuse storage; the choice then lasts a page. */
    }
  }

  function hasOption(select, value) {
    return Array.prototype.some.call(select.options, function (option) {
      return option.value === value;
    });
  }

  function setUp(root) {
    var video = root.querySelector("video");
    var form = root.querySelector("[data-player-controls]");
    var captions = form.querySelector("[data-control=captions]");
    var speed = form.querySelector("[data-control=speed]");
    var resolution = form.querySelector("[data-control=resolution]");
    var status = form.querySelector("[data-player-status]");
    var token = form.querySelector("[name=csrfmiddlewaretoken]").value;
    var progressUrl = root.getAttribute("data-progress-url");
    var duration = parseFloat(root.getAttribute("data-duration")) || Infinity;
    var resumeAt = parseFloat(root.getAttribute("data-resume")) || 0;
    var prefs = loadPrefs();

    function showCaptions() {
      for (var i = 0; i < video.textTracks.length; i += 1) {
        var track = video.textTracks[i];
        track.mode = track.language === captions.value ? "showing" : "disabled";
      }
    }

    function applySpeed() {
      var rate = parseFloat(speed.value) || 1;
      video.defaultPlaybackRate = rate;
      video.playbackRate = rate;
    }

    function switchTo(url) {
      var at = video.currentTime;
      var wasPlaying = !video.paused && !video.ended;
      video.addEventListener("loadedmetadata", function restore() {
        video.removeEventListener("loadedmetadata", restore);
        video.currentTime = at;
        applySpeed();
        showCaptions();
        if (wasPlaying) {
          video.play().catch(function () {});
        }
        status.textContent = root.getAttribute("data-resolution-changed");
      });
      video.src = url;
    }

    // Restore the learner's earlier choices before the video loads.
    if (typeof prefs.captions === "string" && hasOption(captions, prefs.captions)) {
      captions.value = prefs.captions;
    }
    if (typeof prefs.speed === "string" && hasOption(speed, prefs.speed)) {
      speed.value = prefs.speed;
    }
    if (typeof prefs.resolution === "string") {
      Array.prototype.forEach.call(resolution.options, function (option) {
        if (option.getAttribute("data-height") === prefs.resolution &&
            !option.selected) {
          option.selected = true;
          video.src = option.value + (resumeAt ? "#t=" + resumeAt : "");
        }
      });
    }
    form.hidden = false;
    showCaptions();
    applySpeed();

    form.addEventListener("submit", function (event) {
      event.preventDefault();
    });
    captions.addEventListener("change", function () {
      showCaptions();
      savePref("captions", captions.value);
    });
    speed.addEventListener("change", function () {
      applySpeed();
      savePref("speed", speed.value);
    });
    resolution.addEventListener("change", function () {
      var option = resolution.options[resolution.selectedIndex];
      savePref("resolution", option.getAttribute("data-height"));
      switchTo(option.value);
    });
    video.addEventListener("loadedmetadata", applySpeed);
    video.textTracks.addEventListener("addtrack", showCaptions);

    video.addEventListener("loadedmetadata", function resume() {
      video.removeEventListener("loadedmetadata", resume);
      // The page starts a finished lesson from the beginning (resumeAt 0).
      if (resumeAt > 0 && video.currentTime < 1) {
        video.currentTime = resumeAt;
      }
    });

    var timer = null;
    var lastSent = -1;

    function save(leaving) {
      var position = Math.min(video.currentTime, duration);
      if (!isFinite(position) || Math.abs(position - lastSent) < 0.5) {
        return;
      }
      lastSent = position;
      var body = new FormData();
      body.append("position", position.toFixed(1));
      body.append("csrfmiddlewaretoken", token);
      if (leaving && navigator.sendBeacon) {
        navigator.sendBeacon(progressUrl, body);
        return;
      }
      fetch(progressUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token },
      }).then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
      }).catch(function () {
        lastSent = -1;
        status.textContent = root.getAttribute("data-save-failed");
      });
    }

    function stopTimer() {
      window.clearInterval(timer);
      timer = null;
    }

    video.addEventListener("play", function () {
      stopTimer();
      timer = window.setInterval(function () { save(false); }, SAVE_EVERY_MS);
    });
    video.addEventListener("pause", function () {
      stopTimer();
      save(false);
    });
    video.addEventListener("ended", stopTimer);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") {
        save(true);
      }
    });
    window.addEventListener("pagehide", function () { save(true); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-player]"), setUp);
})();
