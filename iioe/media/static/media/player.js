/* The lesson video player: adaptive streaming with a manual choice of
   resolution or audio only, captions, speed, full screen, keyboard control,
   the place saved as the video plays, and the next lesson offered at the end.

   The markup and every string come from the page (media/_player.html).
   Where Media Source Extensions can play H.264, the vendored hls.js, fetched
   only then, plays the master playlist and adapts to the link; a browser
   without them that plays HLS itself (older iPhones) is given the playlists;
   any other browser, or any failure of streaming, gets the MP4 files. Without
   this script the browser's own controls play an MP4 file. */
(function () {
  "use strict";

  var SAVE_EVERY_MS = 10000;
  var PREFS_KEY = "iioe.player";
  var SEEK_SECONDS = 5;
  var H264_AAC = 'video/mp4; codecs="avc1.42E01E,mp4a.40.2"';
  var HLS_TYPE = "application/vnd.apple.mpegurl";
  // A bandwidth estimate remembered from an earlier lesson, in bits/s, is
  // trusted only within these bounds, and only in part when choosing the
  // first rung, so that a link that got slower still starts quickly.
  var MIN_ESTIMATE = 100000;
  var MAX_ESTIMATE = 50000000;
  var START_SHARE = 0.7;
  var hlsScript = null;

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

  function format(template, name, value) {
    return template.split("%(" + name + ")s").join(value);
  }

  function sourceCanStream() {
    var Source = window.ManagedMediaSource || window.MediaSource;
    return Boolean(
      Source && Source.isTypeSupported && Source.isTypeSupported(H264_AAC)
    );
  }

  function loadHlsLibrary(url) {
    if (!hlsScript) {
      hlsScript = new Promise(function (resolve, reject) {
        if (window.Hls) {
          resolve(window.Hls);
          return;
        }
        var script = document.createElement("script");
        script.src = url;
        script.async = true;
        script.onload = function () {
          if (window.Hls && window.Hls.isSupported()) {
            resolve(window.Hls);
          } else {
            reject(new Error("hls.js cannot run here"));
          }
        };
        script.onerror = function () {
          reject(new Error("hls.js did not load"));
        };
        document.head.appendChild(script);
      });
    }
    return hlsScript;
  }

  function isTyping(target) {
    if (!target || !target.closest) {
      return false;
    }
    return Boolean(
      target.closest("input, textarea, select, [contenteditable=''], " +
                     "[contenteditable=true]")
    );
  }

  function setUp(root) {
    var video = root.querySelector("video");
    var form = root.querySelector("[data-player-controls]");
    var playButton = form.querySelector("[data-control=play]");
    var captions = form.querySelector("[data-control=captions]");
    var speed = form.querySelector("[data-control=speed]");
    var resolution = form.querySelector("[data-control=resolution]");
    var fullScreenButton = form.querySelector("[data-control=fullscreen]");
    var status = root.querySelector("[data-player-status]");
    var next = root.querySelector("[data-player-next]");
    var token = form.querySelector("[name=csrfmiddlewaretoken]").value;
    var text = root.dataset;
    var progressUrl = text.progressUrl;
    var masterUrl = text.hls || "";
    var duration = parseFloat(text.duration) || Infinity;
    var resumeAt = parseFloat(text.resume) || 0;
    var startsLowest = text.start === "lowest";
    var prefs = loadPrefs();

    var choices = {};
    var lowest = null;
    Array.prototype.forEach.call(resolution.options, function (option) {
      var choice = {
        value: option.value,
        height: parseInt(option.dataset.height, 10) || 0,
        file: option.dataset.file || "",
        playlist: option.dataset.playlist || "",
      };
      choices[option.value] = choice;
      if (choice.height && (!lowest || choice.height < lowest.height)) {
        lowest = choice;
      }
    });

    var mode = "";          // "hls", "native" or "file"
    var hls = null;
    var Hls = null;
    var loadedUrl = "";     // the playlist hls.js was given
    var levelsReady = false;
    var loading = false;    // hls.js fetches segments once the learner plays
    var pending = null;     // {at, play} to apply once a new source is ready
    var recovered = false;
    var hasPlayed = false;
    var lastCaptions = "";

    // The engine and whether it can start at once show on the player, for
    // style sheets and tests.
    function setMode(name) {
      mode = name;
      root.dataset.engine = name;
    }

    function setReady(ready) {
      root.dataset.state = ready ? "ready" : "loading";
    }

    function announce(message) {
      status.textContent = message;
    }

    function currentChoice() {
      return choices[resolution.value] || choices.auto;
    }

    // While a new source loads, the element's own time reads zero.
    function position() {
      if (pending) {
        return pending.at;
      }
      return hasPlayed ? video.currentTime : resumeAt;
    }

    function isPlaying() {
      return !video.paused && !video.ended;
    }

    // Captions, speed and the play button.

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

    function showPlayState() {
      var playing = isPlaying();
      playButton.textContent = playing ? text.labelPause : text.labelPlay;
      playButton.setAttribute("aria-pressed", playing ? "true" : "false");
    }

    function togglePlay() {
      if (video.paused || video.ended) {
        video.play().catch(function () {});
      } else {
        video.pause();
      }
    }

    // Sources: a playlist for hls.js or the browser, or a plain file.

    function fileFor(choice) {
      return choice.file || choices.auto.file;
    }

    function playFile(url, at, play) {
      pending = { at: at, play: play };
      setReady(false);
      video.addEventListener("loadedmetadata", function restore() {
        video.removeEventListener("loadedmetadata", restore);
        pending = null;
        setReady(true);
        if (at > 0) {
          video.currentTime = Math.min(at, video.duration || at);
        }
        applySpeed();
        showCaptions();
        if (play) {
          video.play().catch(function () {});
        }
      });
      video.preload = "metadata";
      video.src = url;
    }

    function fallBackToFiles() {
      var at = position();
      var play = isPlaying() || (pending && pending.play);
      if (hls) {
        hls.destroy();
        hls = null;
      }
      setMode("file");
      pending = null;
      playFile(fileFor(currentChoice()), at, play);
    }

    function startLevel() {
      var levels = hls.levels;
      var choice = currentChoice();
      if (choice.height) {
        return levelIndex(choice.height);
      }
      var estimate = Number(prefs.bandwidth) || 0;
      var start = 0;
      levels.forEach(function (level, index) {
        if (estimate && level.bitrate <= estimate * START_SHARE) {
          start = index;
        }
      });
      return start;
    }

    function levelIndex(height) {
      var found = 0;
      hls.levels.forEach(function (level, index) {
        if (level.height === height) {
          found = index;
        }
      });
      return found;
    }

    function startLoading(at) {
      loading = true;
      hls.startLoad(at > 0 ? at : -1);
    }

    // On a link with a long round trip, each request before the first
    // segment costs as much as the segment itself: fetch the start rung's
    // playlist and init segment, a few kilobytes, into the HTTP cache while
    // the learner has yet to press play.
    function warmUp(url) {
      if (!window.fetch || !url) {
        return;
      }
      fetch(url, { credentials: "same-origin" }).then(function (response) {
        return response.ok ? response.text() : "";
      }).then(function (playlist) {
        var map = /#EXT-X-MAP:URI="([^"]+)"/.exec(playlist);
        if (map) {
          fetch(new URL(map[1], url).href, { credentials: "same-origin" });
        }
      }).catch(function () {});
    }

    function onManifestParsed() {
      levelsReady = true;
      setReady(true);
      if (loadedUrl === masterUrl) {
        var level = startLevel();
        hls.startLevel = level;
        hls.loadLevel = currentChoice().height ? level : -1;
        if (!loading && hls.levels[level]) {
          warmUp(hls.levels[level].url);
        }
      }
      if (pending) {
        var wanted = pending;
        pending = null;
        startLoading(wanted.at);
        if (wanted.play) {
          video.play().catch(function () {});
        }
      } else if (loading) {
        startLoading(resumeAt);
      }
    }

    function loadPlaylist(url, at, play) {
      levelsReady = false;
      setReady(false);
      loadedUrl = url;
      pending = loading || play ? { at: at, play: play } : null;
      hls.loadSource(url);
    }

    function onHlsError(event, data) {
      if (!data.fatal) {
        return;
      }
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !recovered) {
        recovered = true;
        hls.recoverMediaError();
        return;
      }
      fallBackToFiles();
    }

    function startHls(library) {
      Hls = library;
      var estimate = Number(prefs.bandwidth);
      var config = {
        autoStartLoad: false,
        capLevelToPlayerSize: true,
        // hls.js reads ahead until 60 MB by default; a learner who stops
        // early should not have paid for the rest of the lecture.
        maxBufferLength: startsLowest ? 20 : 30,
        maxMaxBufferLength: startsLowest ? 30 : 120,
      };
      if (estimate >= MIN_ESTIMATE && estimate <= MAX_ESTIMATE) {
        config.abrEwmaDefaultEstimate = estimate;
      }
      hls = new Hls(config);
      hls.on(Hls.Events.MANIFEST_PARSED, onManifestParsed);
      hls.on(Hls.Events.ERROR, onHlsError);
      hls.attachMedia(video);
      var choice = currentChoice();
      var wasPlaying = isPlaying();
      loadPlaylist(
        choice.value === "audio" ? choice.playlist : masterUrl,
        resumeAt,
        wasPlaying
      );
    }

    function switchTo(choice) {
      var at = position();
      var play = isPlaying();
      if (mode === "hls") {
        if (!hls) {
          return;  // hls.js is on its way and will start with this choice.
        }
        var url = choice.value === "audio" ? choice.playlist : masterUrl;
        if (url !== loadedUrl) {
          loadPlaylist(url, at, play);
        } else if (levelsReady) {
          var level = choice.height ? levelIndex(choice.height) : -1;
          if (!loading) {
            hls.startLevel = level === -1 ? startLevel() : level;
            hls.loadLevel = level;
          } else if (level === -1) {
            hls.loadLevel = -1;
          } else {
            hls.currentLevel = level;
          }
        }
      } else if (mode === "native") {
        var playlist = choice.value === "auto" ? masterUrl : choice.playlist;
        playFile(playlist || fileFor(choice), at, play);
      } else if (mode === "file") {
        playFile(fileFor(choice), at, play);
      }
    }

    function chooseEngine() {
      Array.prototype.forEach.call(
        video.querySelectorAll("source"),
        function (element) { element.remove(); }
      );
      if (masterUrl && sourceCanStream() && text.hlsScript) {
        setMode("hls");
        loadHlsLibrary(text.hlsScript).then(startHls, function () {
          setMode("file");
          playFile(fileFor(currentChoice()), position(), isPlaying());
        });
      } else if (masterUrl && video.canPlayType(HLS_TYPE)) {
        setMode("native");
        switchTo(currentChoice());
      } else {
        setMode("file");
        switchTo(currentChoice());
      }
    }

    // Full screen: the whole player, so that its menus stay at hand.

    function isFullScreen() {
      return document.fullscreenElement === root;
    }

    function toggleFullScreen() {
      if (isFullScreen()) {
        document.exitFullscreen().catch(function () {});
      } else if (root.requestFullscreen) {
        root.requestFullscreen().catch(function () {});
      } else if (video.webkitEnterFullscreen) {
        video.webkitEnterFullscreen();
      }
    }

    function showFullScreenState() {
      var on = isFullScreen();
      fullScreenButton.textContent = on ? text.labelExitFullscreen
                                        : text.labelFullscreen;
      fullScreenButton.setAttribute("aria-pressed", on ? "true" : "false");
    }

    // Keyboard: YouTube-like keys, never while a form field has the focus.

    function cycleSpeed(step) {
      var index = speed.selectedIndex + step;
      if (index < 0 || index >= speed.options.length) {
        return;
      }
      speed.selectedIndex = index;
      speed.dispatchEvent(new Event("change"));
      announce(format(text.speedNow, "speed", speed.options[index].text));
    }

    function toggleCaptions() {
      if (captions.options.length < 2) {
        return;
      }
      if (captions.value) {
        lastCaptions = captions.value;
        captions.value = "";
      } else {
        captions.value = lastCaptions && hasOption(captions, lastCaptions)
          ? lastCaptions : captions.options[1].value;
      }
      captions.dispatchEvent(new Event("change"));
      announce(captions.value
        ? format(text.captionsOn, "language",
                 captions.options[captions.selectedIndex].text)
        : text.captionsOff);
    }

    function seekBy(seconds) {
      var end = isFinite(video.duration) ? video.duration : duration;
      video.currentTime = Math.max(0, Math.min(video.currentTime + seconds, end));
    }

    function onKey(event) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey ||
          event.altKey || isTyping(event.target)) {
        return;
      }
      var target = event.target;
      var onPage = target === document.body || target === document.documentElement ||
                   root.contains(target) || target.id === "main";
      if (!onPage) {
        return;
      }
      // Buttons and links answer the space bar themselves, and so does the
      // video element, whose own controls toggle playing.
      var onButton = target.closest && target.closest("button, a, summary, video");
      var handled = true;
      switch (event.key) {
        case " ":
        case "k":
        case "K":
          if (onButton && event.key === " ") {
            handled = false;
          } else {
            togglePlay();
          }
          break;
        case "ArrowLeft":
          seekBy(-SEEK_SECONDS);
          break;
        case "ArrowRight":
          seekBy(SEEK_SECONDS);
          break;
        case "f":
        case "F":
          toggleFullScreen();
          break;
        case "c":
        case "C":
          toggleCaptions();
          break;
        case "<":
          cycleSpeed(-1);
          break;
        case ">":
          cycleSpeed(1);
          break;
        default:
          handled = false;
      }
      if (handled) {
        event.preventDefault();
      }
    }

    // Saving the place, so that the lesson resumes there.

    var timer = null;
    var lastSent = -1;

    function save(leaving) {
      if (hls && isFinite(hls.bandwidthEstimate) && loading) {
        savePref("bandwidth", Math.round(hls.bandwidthEstimate));
      }
      if (!hasPlayed) {
        return;
      }
      var at = Math.min(position(), duration);
      if (!isFinite(at) || Math.abs(at - lastSent) < 0.5) {
        return;
      }
      lastSent = at;
      var body = new FormData();
      body.append("position", at.toFixed(1));
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
        announce(text.saveFailed);
      });
    }

    function stopTimer() {
      window.clearInterval(timer);
      timer = null;
    }

    // Restore the learner's earlier choices, then start.
    if (typeof prefs.captions === "string" && hasOption(captions, prefs.captions)) {
      captions.value = prefs.captions;
    }
    if (typeof prefs.speed === "string" && hasOption(speed, prefs.speed)) {
      speed.value = prefs.speed;
    }
    if (startsLowest && lowest) {
      resolution.value = lowest.value;
    } else if (typeof prefs.resolution === "string" &&
               hasOption(resolution, prefs.resolution)) {
      resolution.value = prefs.resolution;
    } else {
      resolution.value = "auto";
    }
    lastCaptions = captions.value;
    form.hidden = false;
    showCaptions();
    applySpeed();
    showPlayState();
    showFullScreenState();
    chooseEngine();

    form.addEventListener("submit", function (event) {
      event.preventDefault();
    });
    playButton.addEventListener("click", togglePlay);
    fullScreenButton.addEventListener("click", toggleFullScreen);
    document.addEventListener("fullscreenchange", showFullScreenState);
    captions.addEventListener("change", function () {
      if (captions.value) {
        lastCaptions = captions.value;
      }
      showCaptions();
      savePref("captions", captions.value);
    });
    speed.addEventListener("change", function () {
      applySpeed();
      savePref("speed", speed.value);
    });
    resolution.addEventListener("change", function () {
      var choice = currentChoice();
      savePref("resolution", choice.value);
      switchTo(choice);
      announce(format(text.choiceNow, "choice",
                      resolution.options[resolution.selectedIndex].text));
    });
    document.addEventListener("keydown", onKey);
    video.addEventListener("loadedmetadata", applySpeed);
    video.addEventListener("loadedmetadata", showCaptions);
    video.textTracks.addEventListener("addtrack", showCaptions);
    video.addEventListener("error", function () {
      if (mode === "native") {
        fallBackToFiles();
      }
    });

    video.addEventListener("play", function () {
      if (mode === "hls" && hls && !loading) {
        loading = true;
        if (levelsReady && !pending) {
          hls.startLoad(resumeAt > 0 ? resumeAt : -1);
        }
      }
      if (next) {
        next.hidden = true;
      }
      showPlayState();
      stopTimer();
      timer = window.setInterval(function () { save(false); }, SAVE_EVERY_MS);
    });
    video.addEventListener("playing", function () {
      hasPlayed = true;
    });
    video.addEventListener("pause", function () {
      showPlayState();
      stopTimer();
      save(false);
    });
    video.addEventListener("ended", function () {
      showPlayState();
      stopTimer();
      if (next) {
        next.hidden = false;
        var link = next.querySelector("a");
        if (link) {
          link.focus();
        }
      }
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") {
        save(true);
      }
    });
    window.addEventListener("pagehide", function () { save(true); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-player]"), setUp);
})();
