/*
 * django-backblaze-b2 direct uploads: a chosen file goes from the browser to B2 in parallel parts.
 *
 * No build step, no inline script: the widget's markup carries everything in data-b2-* attributes.
 * The server starts one large file per upload and hands out tokens that can only add parts to it;
 * this script sends the parts (each with its SHA-1), then asks the server to check and finish the
 * file, and puts the signed reference it gets back in the form's hidden input. The file input is then
 * emptied, so submitting the form sends the reference, not the bytes.
 *
 * Resuming: the upload's reference is kept in localStorage under the model field and the file's
 * name, size and lastModified. Choosing the same file again (after a reload or a lost connection) asks the server
 * which parts B2 already holds (b2_list_parts) and sends only the others.
 *
 * Events on the widget's element: "b2:progress" {loaded, total, resumed (bytes B2 already held),
 * partsDone, partCount}, "b2:complete" {name, size},
 * "b2:error" {message}, "b2:through-django" (the file is posted with the form instead).
 */
(function () {
  "use strict";

  var CONCURRENCY = 4;
  var ATTEMPTS = 5;
  var STORE_PREFIX = "django-b2-upload:";

  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (input && input.value) {
      return input.value;
    }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function hex(buffer) {
    var bytes = new Uint8Array(buffer);
    var out = "";
    for (var i = 0; i < bytes.length; i++) {
      out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    }
    return out;
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function HttpError(status, body) {
    this.status = status;
    this.body = body || {};
    this.message = (body && body.error) || ("HTTP " + status);
  }

  function Uploader(root) {
    this.root = root;
    this.input = root.querySelector("input[type=file]");
    this.reference = root.querySelector("[data-b2-reference]");
    this.progress = root.querySelector("[data-b2-progress]");
    this.status = root.querySelector("[data-b2-status]");
    this.form = root.closest("form");
    this.busy = false;
    this.generation = 0;
    this.required = this.input.required;
    if (this.reference.value) {
      this.input.required = false; // the form came back with a finished upload in it
      this.say("Uploaded: choose another file to replace it.", "done");
    }
    var self = this;
    this.input.addEventListener("change", function () { self.chosen(); });
    if (this.form) {
      this.form.addEventListener("submit", function (event) {
        if (self.busy) {
          event.preventDefault();
          self.say("The upload is still running: the form will be ready when it is done.");
        }
      });
    }
  }

  Uploader.prototype.emit = function (name, detail) {
    this.root.dispatchEvent(new CustomEvent(name, { detail: detail || {}, bubbles: true }));
  };

  Uploader.prototype.say = function (text, state) {
    this.status.textContent = text;
    this.root.setAttribute("data-b2-state", state || "");
  };

  Uploader.prototype.post = function (url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(this.form) },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          throw new HttpError(response.status, data);
        }
        return data;
      });
    });
  };

  Uploader.prototype.storeKey = function (file) {
    // Per model field: a grant is only good for the field it was issued for.
    return STORE_PREFIX + this.root.getAttribute("data-b2-field") + ":" +
      file.name + ":" + file.size + ":" + file.lastModified;
  };

  Uploader.prototype.chosen = function () {
    var file = this.input.files && this.input.files[0];
    this.reference.value = "";
    this.input.required = this.required;
    this.generation += 1;
    if (!file) {
      return;
    }
    if (!(window.crypto && window.crypto.subtle && window.fetch)) {
      this.emit("b2:through-django");
      return; // no SHA-1 outside a secure context: the form posts the file
    }
    var maxSize = parseInt(this.root.getAttribute("data-b2-max-size") || "0", 10);
    if (maxSize && file.size > maxSize) {
      this.say("This file is larger than the " + maxSize + " bytes allowed.", "error");
      this.emit("b2:error", { message: "too large" });
      return;
    }
    var self = this;
    var generation = this.generation;
    this.busy = true;
    this.upload(file, generation).then(function (done) {
      if (generation !== self.generation) {
        return;
      }
      self.busy = false;
      if (done) {
        self.reference.value = done.finished;
        self.input.value = ""; // the bytes are in B2: post the reference only
        self.input.required = false; // the reference stands for the file
        self.say("Uploaded " + done.name + " (" + done.size + " bytes).", "done");
        self.emit("b2:complete", { name: done.name, size: done.size });
      }
    }, function (error) {
      if (generation !== self.generation) {
        return;
      }
      self.busy = false;
      self.say("The upload failed: " + error.message + " Choose the file again to resume.", "error");
      self.emit("b2:error", { message: error.message, status: error.status });
    });
  };

  Uploader.prototype.upload = function (file, generation) {
    var self = this;
    var key = this.storeKey(file);
    var saved = null;
    try {
      saved = JSON.parse(window.localStorage.getItem(key) || "null");
    } catch (ignored) {
      saved = null;
    }
    var started = saved ? this.post(this.root.getAttribute("data-b2-parts"), { upload: saved.upload }).then(
      function (answer) { return { grant: saved, held: answer.parts }; },
      function () {
        window.localStorage.removeItem(key); // expired, finished or cancelled: start afresh
        return null;
      }
    ) : Promise.resolve(null);
    return started.then(function (resumed) {
      if (resumed) {
        return resumed;
      }
      return self.post(self.root.getAttribute("data-b2-begin"), {
        ticket: self.root.getAttribute("data-b2-ticket"),
        name: file.name,
        size: file.size,
        type: file.type,
        lastModified: file.lastModified
      }).then(function (answer) {
        if (!answer.direct) {
          return null;
        }
        var grant = { upload: answer.upload, partSize: answer.partSize, partCount: answer.partCount };
        window.localStorage.setItem(key, JSON.stringify(grant));
        return { grant: grant, held: [] };
      });
    }).then(function (state) {
      if (!state) {
        self.busy = false;
        self.say("");
        self.emit("b2:through-django");
        return null; // the file input keeps the file: the form posts it through Django
      }
      return self.sendParts(file, state.grant, state.held, generation).then(function (sha1s) {
        return self.post(self.root.getAttribute("data-b2-complete"), {
          upload: state.grant.upload,
          partSha1Array: sha1s
        });
      }).then(function (done) {
        window.localStorage.removeItem(key);
        return done;
      });
    });
  };

  Uploader.prototype.sendParts = function (file, grant, held, generation) {
    var self = this;
    var partSize = grant.partSize;
    var count = grant.partCount;
    var heldByNumber = {};
    (held || []).forEach(function (part) { heldByNumber[part.partNumber] = part; });
    var sha1s = new Array(count);
    var sent = new Array(count + 1).fill(0);
    var next = 1;
    var resumed = 0;
    var partsDone = 0;
    var failed = false; // one connection gave up: the others stop taking parts
    this.progress.hidden = false;
    this.say("Uploading " + file.name + "…", "uploading");

    function report() {
      var loaded = sent.reduce(function (a, b) { return a + b; }, 0);
      self.progress.value = file.size ? Math.floor((loaded / file.size) * 100) : 100;
      self.emit("b2:progress", {
        loaded: loaded, total: file.size, resumed: resumed, partsDone: partsDone, partCount: count
      });
    }

    function worker() {
      var target = null;
      function partUrl() {
        return self.post(self.root.getAttribute("data-b2-part-url"), { upload: grant.upload }).then(function (t) {
          target = t;
          return t;
        });
      }
      function one() {
        if (generation !== self.generation) {
          return Promise.reject(new Error("A new file was chosen."));
        }
        if (next > count || failed) {
          return Promise.resolve();
        }
        var number = next++;
        var start = (number - 1) * partSize;
        var blob = file.slice(start, Math.min(start + partSize, file.size));
        return blob.arrayBuffer().then(function (bytes) {
          return window.crypto.subtle.digest("SHA-1", bytes).then(function (digest) {
            var sha1 = hex(digest);
            sha1s[number - 1] = sha1;
            var have = heldByNumber[number];
            if (have && have.contentSha1 === sha1 && have.contentLength === bytes.byteLength) {
              resumed += bytes.byteLength;
              sent[number] = bytes.byteLength;
              partsDone += 1;
              report();
              return null; // B2 has this part already
            }
            return sendWithRetries(number, bytes, sha1, 1);
          });
        }).then(one);
      }
      function sendWithRetries(number, bytes, sha1, attempt) {
        var ready = target ? Promise.resolve(target) : partUrl();
        return ready.then(function (t) { return send(t, number, bytes, sha1); }).catch(function (error) {
          sent[number] = 0;
          report();
          if (attempt >= ATTEMPTS || (error.status && error.status < 500 && error.status !== 401 &&
              error.status !== 408 && error.status !== 429)) {
            throw error;
          }
          target = null; // B2 wants a new upload URL after most failures
          return sleep(Math.min(16000, 500 * Math.pow(2, attempt))).then(function () {
            return sendWithRetries(number, bytes, sha1, attempt + 1);
          });
        });
      }
      return one();
    }

    function send(t, number, bytes, sha1) {
      return new Promise(function (resolve, reject) {
        var request = new XMLHttpRequest();
        request.open("POST", t.uploadUrl);
        request.setRequestHeader("Authorization", t.authorizationToken);
        request.setRequestHeader("X-Bz-Part-Number", String(number));
        request.setRequestHeader("X-Bz-Content-Sha1", sha1);
        request.upload.onprogress = function (event) {
          sent[number] = event.loaded;
          report();
        };
        request.onload = function () {
          if (request.status >= 200 && request.status < 300) {
            sent[number] = bytes.byteLength;
            partsDone += 1;
            report();
            resolve();
          } else {
            var body = {};
            try { body = JSON.parse(request.responseText); } catch (ignored) { body = {}; }
            reject(new HttpError(request.status, { error: body.message || ("B2 answered " + request.status) }));
          }
        };
        request.onerror = function () { reject(new HttpError(0, { error: "The connection to B2 failed." })); };
        request.send(bytes);
      });
    }

    var workers = [];
    for (var i = 0; i < Math.min(CONCURRENCY, count); i++) {
      workers.push(worker().catch(function (error) {
        failed = true;
        throw error;
      }));
    }
    report();
    return Promise.all(workers).then(function () { return sha1s; });
  };

  function start() {
    var roots = document.querySelectorAll("[data-b2-direct-upload]");
    for (var i = 0; i < roots.length; i++) {
      if (!roots[i].b2Uploader) {
        roots[i].b2Uploader = new Uploader(roots[i]);
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
