// Building the page without ever parsing text as markup: every string from the ledger becomes a
// text node, and a link is made only for http(s) URLs.

const SVG_NS = "http://www.w3.org/2000/svg";

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

function setAttributes(element, attributes) {
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "href") {
      throw new Error("use link() for links: it checks the URL's scheme");
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  return element;
}

/** An HTML element: h("p", {class: "x"}, "text", child, [more]). */
export function h(tag, attributes, ...children) {
  return append(setAttributes(document.createElement(tag), attributes), children);
}

/** An SVG element, same form as h(). */
export function s(tag, attributes, ...children) {
  return append(setAttributes(document.createElementNS(SVG_NS, tag), attributes), children);
}

/** A link inside this page (a #/route). */
export function route(hash, attributes, ...children) {
  const a = h("a", attributes, ...children);
  a.href = hash;
  return a;
}

/** The URL if it is http(s), else null: javascript:, data: and the like are never clickable. */
export function httpUrl(url) {
  if (typeof url !== "string") return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** A link to another site, or plain text when the URL is not http(s). */
export function externalLink(url, ...children) {
  const safe = httpUrl(url);
  if (safe === null) return h("span", { class: "unlinked" }, ...children);
  const a = h("a", { rel: "noopener noreferrer", target: "_blank" }, ...children);
  a.href = safe;
  return a;
}

export function clear(element, ...children) {
  element.replaceChildren();
  return append(element, children);
}

/** "IMPRISONED" -> "imprisoned", "PARTIALLY_IMPLEMENTED" -> "partially implemented". */
export function words(enumValue) {
  return String(enumValue).toLowerCase().replaceAll("_", " ");
}
