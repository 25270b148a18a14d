// Describes the form controls handed in (one frame): what a person sees of each one.
// Read-only: it never changes the page, so a site cannot notice being read.
(elements) => {
  const clean = (text) => (text || '').replace(/\s+/g, ' ').trim();

  function shown(el) {
    if (el.closest('[aria-hidden="true"]')) return false;
    if (el.checkVisibility && !el.checkVisibility({opacityProperty: true, visibilityProperty: true})) return false;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden' || parseFloat(style.opacity) === 0) return false;
    const r = el.getBoundingClientRect();
    if (r.width < 4 || r.height < 4) return false;
    const doc = el.ownerDocument.documentElement;
    const width = Math.max(doc.scrollWidth, window.innerWidth);
    // Pushed off the page (left: -9999px) is the classic honeypot.
    if (r.right + window.scrollX <= 0 || r.bottom + window.scrollY <= 0) return false;
    if (r.left + window.scrollX >= width) return false;
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const s = getComputedStyle(node);
      if ((s.overflow === 'hidden' || s.clip !== 'auto') && node !== el) {
        const box = node.getBoundingClientRect();
        if (box.width < 4 || box.height < 4) return false;
      }
    }
    return true;
  }

  function labelText(el) {
    const parts = [];
    if (el.labels) for (const label of el.labels) parts.push(label.innerText || label.textContent);
    const wrapping = el.closest('label');
    if (!parts.length && wrapping) parts.push(wrapping.innerText || wrapping.textContent);
    return clean(parts.join(' '));
  }

  function ariaText(el) {
    const parts = [el.getAttribute('aria-label'), el.getAttribute('title')];
    for (const id of (el.getAttribute('aria-labelledby') || '').split(/\s+/)) {
      const node = id && el.ownerDocument.getElementById(id);
      if (node) parts.push(node.textContent);
    }
    return clean(parts.filter(Boolean).join(' '));
  }

  // Text just before a field that has no label (div layouts): "Nachricht *" above a textarea.
  function nearText(el) {
    let node = el;
    for (let depth = 0; depth < 3 && node; depth++) {
      for (let prev = node.previousElementSibling; prev; prev = prev.previousElementSibling) {
        if (prev.matches('input, textarea, select, button') || prev.querySelector('input, textarea, select')) break;
        const text = clean(prev.innerText);
        if (text && text.length <= 80) return text;
      }
      node = node.parentElement;
    }
    return '';
  }

  return elements.map((el) => {
    const tag = el.tagName.toLowerCase();
    const editable = el.isContentEditable && tag !== 'input' && tag !== 'textarea';
    const type = editable ? 'contenteditable' : tag === 'input' ? (el.type || 'text').toLowerCase() : tag;
    let visible = shown(el);
    // Styled checkboxes hide the box itself and show its label.
    if (!visible && type === 'checkbox' && el.labels) visible = [...el.labels].some(shown);
    const form = el.closest('form');
    const labelled = labelText(el);
    return {
      tag,
      type,
      name: el.getAttribute('name') || '',
      id: el.id || '',
      placeholder: el.getAttribute('placeholder') || el.getAttribute('data-placeholder') || '',
      autocomplete: (el.getAttribute('autocomplete') || '').toLowerCase(),
      aria: ariaText(el),
      label: labelled || nearText(el),
      visible,
      required: !!(el.required || el.getAttribute('aria-required') === 'true'),
      disabled: !!(el.disabled || el.readOnly),
      value: editable ? clean(el.innerText) : type === 'checkbox' ? (el.checked ? 'on' : '') : (el.value || ''),
      options: tag === 'select' ? [...el.options].map((o) => [o.value, clean(o.textContent), o.disabled]) : [],
      form: form ? [...el.ownerDocument.forms].indexOf(form) : -1,
    };
  });
}
