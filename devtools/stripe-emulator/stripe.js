/*
 * Stripe.js stand-in for the project's Stripe test emulator (TEST MODE ONLY).
 *
 * Loaded instead of https://js.stripe.com/endive/stripe.js when the app runs without
 * Stripe keys. Defines window.Stripe with the calls @stripe/stripe-js and
 * @stripe/react-stripe-js make: elements(), elements.create("payment" | "card"),
 * element.mount/unmount/destroy/update/on/off, elements.submit/getElement/update,
 * confirmSetup, confirmPayment, confirmCardPayment, confirmCardSetup, handleNextAction,
 * handleCardAction, retrievePaymentIntent, retrieveSetupIntent, createPaymentMethod.
 *
 * The card form is plain DOM (no iframe) and clearly says "test mode". Card numbers go
 * from this page straight to the emulator's API (CORS), never to the app's server.
 *
 * Where the emulator is: ?api=<url> on this script's URL, or data-api-url on its <script>
 * tag, or else the origin this script was served from (the emulator serves it too).
 */
(function () {
  "use strict";
  if (typeof window === "undefined") return;

  var script = document.currentScript;
  var API = (function () {
    try {
      var src = new URL(script && script.src ? script.src : window.location.href);
      return (
        src.searchParams.get("api") ||
        (script && script.getAttribute("data-api-url")) ||
        (/\/(endive\/stripe\.js|v3\/?)$/.test(src.pathname) ? src.origin : "http://127.0.0.1:12111")
      ).replace(/\/$/, "");
    } catch (e) {
      return "http://127.0.0.1:12111";
    }
  })();

  // ---- helpers ------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === "style") node.style.cssText = attrs[k];
      else if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function form(data, prefix, out) {
    out = out || [];
    Object.keys(data).forEach(function (key) {
      var v = data[key];
      var name = prefix ? prefix + "[" + key + "]" : key;
      if (v === undefined || v === null) return;
      if (typeof v === "object") form(v, name, out);
      else out.push(encodeURIComponent(name) + "=" + encodeURIComponent(String(v)));
    });
    return out.join("&");
  }

  function intentIdFromSecret(clientSecret) {
    return String(clientSecret || "").split("_secret_")[0];
  }

  function connectionError(e) {
    return {
      type: "api_connection_error",
      message: "We could not reach the payment service (Stripe test emulator at " + API + "). Check your connection and try again.",
      cause: String(e && e.message ? e.message : e),
    };
  }

  function Api(key) {
    this.call = function (method, path, data) {
      var url = API + path;
      var body = data ? form(data) : "";
      if (method === "GET" && body) url += "?" + body;
      return fetch(url, {
        method: method,
        headers: { Authorization: "Bearer " + key, "Content-Type": "application/x-www-form-urlencoded" },
        body: method === "GET" ? undefined : body,
      }).then(
        function (res) {
          return res.json().then(function (json) {
            return res.ok ? { data: json } : { error: json.error || { type: "api_error", message: "HTTP " + res.status } };
          });
        },
        function (e) {
          return { error: connectionError(e) };
        },
      );
    };
  }

  // ---- card form (the Payment Element and the Card Element) -----------------------------

  var uid = 0;

  function luhn(digits) {
    var sum = 0;
    for (var i = 0; i < digits.length; i++) {
      var d = +digits[digits.length - 1 - i];
      if (i % 2) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
    }
    return digits.length >= 12 && sum % 10 === 0;
  }

  function CardElement(type, group, options) {
    var self = this;
    var listeners = {};
    var root = null;
    var inputs = {};
    var errorBox = null;
    var id = "stripe-emulator-" + ++uid;
    this._type = type;
    this._options = options || {};

    function emit(event, payload) {
      (listeners[event] || []).slice().forEach(function (h) {
        try {
          h(payload);
        } catch (e) {
          setTimeout(function () {
            throw e;
          });
        }
      });
    }

    this.on = function (event, handler) {
      (listeners[event] = listeners[event] || []).push(handler);
      return self;
    };
    this.once = function (event, handler) {
      var wrapped = function (p) {
        self.off(event, wrapped);
        handler(p);
      };
      return self.on(event, wrapped);
    };
    this.off = function (event, handler) {
      if (!handler) delete listeners[event];
      else
        listeners[event] = (listeners[event] || []).filter(function (h) {
          return h !== handler;
        });
      return self;
    };

    this.values = function () {
      var exp = (inputs.expiry ? inputs.expiry.value : "").replace(/\s/g, "").split("/");
      return {
        number: (inputs.number ? inputs.number.value : "").replace(/\D/g, ""),
        expMonth: exp[0] || "",
        expYear: exp[1] || "",
        cvc: (inputs.cvc ? inputs.cvc.value : "").replace(/\D/g, ""),
      };
    };

    /** Stripe.js-style client-side validation: null when the form is complete. */
    this.validate = function () {
      var v = self.values();
      if (!v.number) return { code: "incomplete_number", message: "Your card number is incomplete." };
      if (!luhn(v.number)) return { code: "invalid_number", message: "Your card number is invalid." };
      if (!v.expMonth || !v.expYear || v.expYear.length !== 2) return { code: "incomplete_expiry", message: "Your card's expiration date is incomplete." };
      var m = +v.expMonth;
      var y = 2000 + +v.expYear;
      var now = new Date();
      if (m < 1 || m > 12) return { code: "invalid_expiry_month", message: "Your card's expiration month is invalid." };
      if (y < now.getFullYear() || (y === now.getFullYear() && m < now.getMonth() + 1)) {
        return { code: "invalid_expiry_year_past", message: "Your card's expiration year is in the past." };
      }
      if (v.cvc.length < 3) return { code: "incomplete_cvc", message: "Your card's security code is incomplete." };
      return null;
    };

    this.showError = function (message) {
      if (errorBox) errorBox.textContent = message || "";
    };

    function changed() {
      var v = self.values();
      var empty = !v.number && !v.expMonth && !v.cvc;
      self.showError("");
      emit("change", {
        elementType: type,
        empty: empty,
        complete: !self.validate(),
        collapsed: false,
        value: type === "payment" ? { type: "card" } : { postalCode: "" },
        brand: /^4/.test(v.number) ? "visa" : /^5[1-5]/.test(v.number) ? "mastercard" : /^3[47]/.test(v.number) ? "amex" : "unknown",
        error: undefined,
      });
    }

    function field(name, label, attrs) {
      var input = el("input", Object.assign({ id: id + "-" + name, name: name, "data-testid": "stripe-emulator-" + name, style: INPUT_STYLE }, attrs));
      input.addEventListener("input", function () {
        if (name === "number")
          input.value = input.value
            .replace(/\D/g, "")
            .slice(0, 19)
            .replace(/(\d{4})(?=\d)/g, "$1 ");
        if (name === "expiry") {
          var d = input.value.replace(/\D/g, "").slice(0, 4);
          input.value = d.length > 2 ? d.slice(0, 2) + " / " + d.slice(2) : d;
        }
        if (name === "cvc") input.value = input.value.replace(/\D/g, "").slice(0, 4);
        changed();
      });
      input.addEventListener("focus", function () {
        emit("focus", { elementType: type });
      });
      input.addEventListener("blur", function () {
        emit("blur", { elementType: type });
      });
      inputs[name] = input;
      return el("label", { for: id + "-" + name, style: "display:block;flex:1;min-width:0;font-size:13px;color:inherit;opacity:.85" }, [
        el("span", { style: "display:block;margin-bottom:4px" }, [label]),
        input,
      ]);
    }

    this.mount = function (target) {
      var node = typeof target === "string" ? document.querySelector(target) : target;
      if (!node) throw new Error("stripe emulator: mount target not found: " + target);
      if (root) self.unmount();
      root = el("div", { "data-testid": "stripe-emulator-" + type + "-element", "data-stripe-emulator": "true", style: "font-family:inherit" }, [
        el("div", { style: "display:flex;align-items:center;gap:8px;margin-bottom:8px" }, [
          el("span", {
            "data-testid": "stripe-emulator-test-mode",
            style:
              "background:#fef3c7;color:#92400e;border:1px solid #f59e0b;border-radius:4px;padding:1px 6px;font-size:11px;font-weight:600;letter-spacing:.04em",
            text: "TEST MODE",
          }),
          el("span", {
            style: "font-size:12px;color:#6b7280",
            text: "Stripe test emulator. Use 4242 4242 4242 4242, any future date, any CVC. No real card is charged.",
          }),
        ]),
        field("number", "Card number", { inputmode: "numeric", autocomplete: "cc-number", placeholder: "1234 1234 1234 1234" }),
        el("div", { style: "display:flex;gap:8px;margin-top:8px" }, [
          field("expiry", "Expiry (MM / YY)", { inputmode: "numeric", autocomplete: "cc-exp", placeholder: "MM / YY" }),
          field("cvc", "CVC", { inputmode: "numeric", autocomplete: "cc-csc", placeholder: "123" }),
        ]),
        (errorBox = el("div", { role: "alert", "data-testid": "stripe-emulator-error", style: "color:#b91c1c;font-size:13px;min-height:18px;margin-top:6px" })),
      ]);
      node.appendChild(root);
      setTimeout(function () {
        emit("ready", { elementType: type });
        emit("loaderstart", { elementType: type });
      }, 0);
    };
    this.unmount = function () {
      if (root && root.parentNode) root.parentNode.removeChild(root);
      root = null;
    };
    this.destroy = function () {
      self.unmount();
      listeners = {};
      group._remove(self);
    };
    this.update = function (opts) {
      Object.assign(self._options, opts || {});
    };
    this.focus = function () {
      if (inputs.number) inputs.number.focus();
    };
    this.blur = function () {
      if (document.activeElement && root && root.contains(document.activeElement)) document.activeElement.blur();
    };
    this.clear = function () {
      Object.keys(inputs).forEach(function (k) {
        inputs[k].value = "";
      });
      changed();
    };
    this.collapse = function () {
      return self;
    };
  }

  var INPUT_STYLE = "box-sizing:border-box;width:100%;padding:8px 10px;border:1px solid #d1d5db;border-radius:6px;font:inherit;font-size:15px";

  function Elements(stripe, options) {
    var self = this;
    var created = [];
    this._options = Object.assign({}, options || {});
    this.create = function (type, opts) {
      if (type !== "payment" && type !== "card") {
        throw new Error('stripe emulator: elements.create("' + type + '") is not supported; use "payment" or "card".');
      }
      var element = new CardElement(type, self, opts);
      created.push(element);
      return element;
    };
    this.getElement = function (type) {
      for (var i = 0; i < created.length; i++) if (created[i]._type === (typeof type === "string" ? type : type && type.__elementType)) return created[i];
      return null;
    };
    this.update = function (opts) {
      Object.assign(self._options, opts || {});
    };
    this.fetchUpdates = function () {
      return Promise.resolve({});
    };
    this.submit = function () {
      var element = created[0];
      if (!element) return Promise.resolve({ error: { type: "validation_error", message: "No payment element is mounted." } });
      var problem = element.validate();
      if (problem) {
        element.showError(problem.message);
        return Promise.resolve({ error: { type: "validation_error", code: problem.code, message: problem.message } });
      }
      return Promise.resolve({ selectedPaymentMethod: "card" });
    };
    this._remove = function (element) {
      created = created.filter(function (e) {
        return e !== element;
      });
    };
    this._card = function () {
      return created[0] || null;
    };
  }

  // ---- 3-D Secure challenge (what the bank's page would be) -----------------------------

  function challenge(amountText) {
    return new Promise(function (resolve) {
      var overlay;
      function done(outcome) {
        if (overlay && overlay.parentNode) overlay.parentNode.removeChild(overlay);
        resolve(outcome);
      }
      var complete = el(
        "button",
        { type: "button", "data-testid": "stripe-emulator-3ds-complete", style: BUTTON + "background:#16a34a;color:#fff;border-color:#16a34a" },
        ["Complete authentication"],
      );
      var fail = el(
        "button",
        { type: "button", "data-testid": "stripe-emulator-3ds-fail", style: BUTTON + "background:#fff;color:#b91c1c;border-color:#b91c1c" },
        ["Fail authentication"],
      );
      complete.addEventListener("click", function () {
        done("complete");
      });
      fail.addEventListener("click", function () {
        done("fail");
      });
      overlay = el(
        "div",
        {
          "data-testid": "stripe-emulator-3ds",
          style: "position:fixed;inset:0;background:rgba(17,24,39,.55);display:flex;align-items:center;justify-content:center;z-index:2147483647",
        },
        [
          el(
            "div",
            {
              role: "dialog",
              "aria-modal": "true",
              "aria-labelledby": "stripe-emulator-3ds-title",
              style:
                "background:#fff;border-radius:10px;padding:24px;max-width:420px;width:calc(100% - 32px);font-family:system-ui,sans-serif;box-shadow:0 10px 40px rgba(0,0,0,.3)",
            },
            [
              el("div", {
                style:
                  "display:inline-block;background:#fef3c7;color:#92400e;border:1px solid #f59e0b;border-radius:4px;padding:1px 6px;font-size:11px;font-weight:600;margin-bottom:10px",
                text: "TEST MODE",
              }),
              el("h2", { id: "stripe-emulator-3ds-title", style: "margin:0 0 8px;font-size:18px", text: "3D Secure authentication" }),
              el("p", {
                style: "margin:0 0 16px;color:#4b5563;font-size:14px;line-height:1.4",
                text:
                  "This test card asks for authentication" +
                  (amountText ? " of " + amountText : "") +
                  ". In live mode your bank would show its own page here. Choose what the bank should answer.",
              }),
              el("div", { style: "display:flex;gap:8px;flex-wrap:wrap" }, [complete, fail]),
            ],
          ),
        ],
      );
      document.body.appendChild(overlay);
      complete.focus();
    });
  }

  var BUTTON = "padding:8px 14px;border-radius:6px;border:1px solid;font:inherit;font-size:14px;cursor:pointer;";

  // ---- the Stripe object ----------------------------------------------------------------

  function Stripe(publishableKey, options) {
    if (!(this instanceof Stripe)) return new Stripe(publishableKey, options);
    if (typeof publishableKey !== "string" || !/^pk_test_/.test(publishableKey)) {
      throw new Error("The Stripe test emulator only accepts test-mode publishable keys (pk_test_...).");
    }
    var api = new Api(publishableKey);
    var self = this;
    this._emulator = { api: API };

    this._registerWrapper = function () {};
    this.registerAppInfo = function () {};

    this.elements = function (opts) {
      return new Elements(self, opts);
    };

    function createCard(element, billingDetails) {
      var v = element.values();
      return api.call("POST", "/v1/payment_methods", {
        type: "card",
        card: { number: v.number, exp_month: v.expMonth, exp_year: v.expYear, cvc: v.cvc },
        billing_details: billingDetails || undefined,
      });
    }

    function kindOf(clientSecret) {
      return /^seti_/.test(clientSecret) ? "setup_intents" : "payment_intents";
    }
    function wrap(kind, intent) {
      return kind === "setup_intents" ? { setupIntent: intent } : { paymentIntent: intent };
    }
    function formatAmount(intent) {
      return intent && intent.amount
        ? (intent.amount / 100).toLocaleString("en-US", { style: "currency", currency: (intent.currency || "usd").toUpperCase() })
        : "";
    }

    /** Runs next_action (3-D Secure) if the intent has one; resolves like Stripe.js does. */
    function finishAction(kind, intent, clientSecret) {
      if (!intent || intent.status !== "requires_action") return Promise.resolve(wrap(kind, intent));
      return challenge(formatAmount(intent)).then(function (outcome) {
        return api.call("POST", "/_emulator/3ds/" + intent.id, { client_secret: clientSecret, outcome: outcome }).then(function (r) {
          if (r.error) return { error: r.error };
          var after = r.data;
          var lastError = kind === "setup_intents" ? after.last_setup_error : after.last_payment_error;
          if (after.status === "requires_payment_method" && lastError) {
            var error = Object.assign({}, lastError);
            error[kind === "setup_intents" ? "setup_intent" : "payment_intent"] = after;
            return { error: error };
          }
          return wrap(kind, after);
        });
      });
    }

    function confirmWith(kind, clientSecret, paymentMethodId, extra) {
      var id = intentIdFromSecret(clientSecret);
      var data = Object.assign({ client_secret: clientSecret }, extra || {});
      if (paymentMethodId) data.payment_method = paymentMethodId;
      return api.call("POST", "/v1/" + kind + "/" + id + "/confirm", data).then(function (r) {
        if (r.error) return { error: r.error };
        return finishAction(kind, r.data, clientSecret);
      });
    }

    function maybeRedirect(result, kind, clientSecret, confirmParams, redirect) {
      if (result.error || redirect === "if_required" || !confirmParams || !confirmParams.return_url) return result;
      var intent = result.setupIntent || result.paymentIntent;
      var url = new URL(confirmParams.return_url, window.location.href);
      var prefix = kind === "setup_intents" ? "setup_intent" : "payment_intent";
      url.searchParams.set(prefix, intent.id);
      url.searchParams.set(prefix + "_client_secret", clientSecret);
      url.searchParams.set("redirect_status", intent.status === "succeeded" ? "succeeded" : "failed");
      window.location.assign(url.toString());
      return new Promise(function () {}); // the page is going away, as with real Stripe.js
    }

    function confirmWithElements(kind, params) {
      params = params || {};
      var elements = params.elements;
      var clientSecret = params.clientSecret || (elements && elements._options.clientSecret);
      if (!clientSecret)
        return Promise.resolve({ error: { type: "invalid_request_error", message: "A clientSecret is required (pass it to elements() or to confirm)." } });
      var confirmParams = params.confirmParams || {};
      var pmPromise;
      if (typeof confirmParams.payment_method === "string") {
        pmPromise = Promise.resolve({ data: { id: confirmParams.payment_method } });
      } else {
        var element = elements && elements._card();
        if (!element) return Promise.resolve({ error: { type: "invalid_request_error", message: "Mount a Payment Element before confirming." } });
        var problem = element.validate();
        if (problem) {
          element.showError(problem.message);
          return Promise.resolve({ error: { type: "validation_error", code: problem.code, message: problem.message } });
        }
        pmPromise = createCard(element, confirmParams.payment_method_data && confirmParams.payment_method_data.billing_details);
      }
      return pmPromise.then(function (pm) {
        if (pm.error) return { error: pm.error };
        // Like Stripe's Payment Element: a confirmation's error (a decline) is returned to the
        // page, which shows it; the element itself shows only its own field validation.
        return confirmWith(kind, clientSecret, pm.data.id).then(function (result) {
          return maybeRedirect(result, kind, clientSecret, confirmParams, params.redirect);
        });
      });
    }

    this.confirmSetup = function (params) {
      return confirmWithElements("setup_intents", params);
    };
    this.confirmPayment = function (params) {
      return confirmWithElements("payment_intents", params);
    };

    function confirmCard(kind, clientSecret, data) {
      data = data || {};
      var pm = data.payment_method;
      if (pm && typeof pm === "object" && pm.card) {
        return createCard(pm.card, pm.billing_details).then(function (r) {
          return r.error ? { error: r.error } : confirmWith(kind, clientSecret, r.data.id);
        });
      }
      if (typeof pm === "string") return confirmWith(kind, clientSecret, pm);
      // No new payment method: finish what the intent already has (e.g. server-side confirmed, 3DS pending).
      return api.call("GET", "/v1/" + kind + "/" + intentIdFromSecret(clientSecret), { client_secret: clientSecret }).then(function (r) {
        if (r.error) return { error: r.error };
        if (r.data.status === "requires_action") return finishAction(kind, r.data, clientSecret);
        if (r.data.status === "requires_confirmation") return confirmWith(kind, clientSecret, null);
        return wrap(kind, r.data);
      });
    }

    this.confirmCardPayment = function (clientSecret, data) {
      return confirmCard("payment_intents", clientSecret, data);
    };
    this.confirmCardSetup = function (clientSecret, data) {
      return confirmCard("setup_intents", clientSecret, data);
    };

    this.handleNextAction = function (params) {
      var clientSecret = params && params.clientSecret;
      var kind = kindOf(clientSecret);
      return api.call("GET", "/v1/" + kind + "/" + intentIdFromSecret(clientSecret), { client_secret: clientSecret }).then(function (r) {
        return r.error ? { error: r.error } : finishAction(kind, r.data, clientSecret);
      });
    };
    this.handleCardAction = function (clientSecret) {
      return self.handleNextAction({ clientSecret: clientSecret });
    };

    this.retrievePaymentIntent = function (clientSecret) {
      return api.call("GET", "/v1/payment_intents/" + intentIdFromSecret(clientSecret), { client_secret: clientSecret }).then(function (r) {
        return r.error ? { error: r.error } : { paymentIntent: r.data };
      });
    };
    this.retrieveSetupIntent = function (clientSecret) {
      return api.call("GET", "/v1/setup_intents/" + intentIdFromSecret(clientSecret), { client_secret: clientSecret }).then(function (r) {
        return r.error ? { error: r.error } : { setupIntent: r.data };
      });
    };

    // Legacy Tokens/Sources are not emulated; react-stripe-js only checks these exist.
    this.createToken = function () {
      return Promise.resolve({ error: { type: "invalid_request_error", message: "The Stripe test emulator does not support Tokens; use PaymentMethods." } });
    };
    this.createSource = this.createToken;

    this.createPaymentMethod = function (params) {
      params = params || {};
      var element = params.element || (params.elements && params.elements._card()) || (params.card && params.card);
      if (!element) return Promise.resolve({ error: { type: "invalid_request_error", message: "Pass elements or a card element." } });
      var problem = element.validate();
      if (problem) return Promise.resolve({ error: { type: "validation_error", code: problem.code, message: problem.message } });
      return createCard(element, params.billing_details || (params.params && params.params.billing_details)).then(function (r) {
        return r.error ? { error: r.error } : { paymentMethod: r.data };
      });
    };
  }

  Stripe.version = "endive";
  Stripe._emulator = true;
  window.Stripe = Stripe;
})();
