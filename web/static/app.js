/* RouteCare: small enhancements. Every page works without this file. */
(function () {
	'use strict';

	/* After a failed save, move focus to what went wrong so that it is read out. */
	var first = document.getElementById('conflict') ||
	    document.getElementById('error-summary');
	if (first) {
		first.setAttribute('tabindex', '-1');
		first.focus();
	}

	/* A link in the error summary focuses its field, not just the page position. */
	document.addEventListener('click', function (ev) {
		var a = ev.target.closest ? ev.target.closest('.error-summary a') : null;
		var target, input;
		if (!a) {
			return;
		}
		target = document.getElementById(a.getAttribute('href').slice(1));
		if (!target) {
			return;
		}
		input = target.matches('input, select, textarea') ? target :
		    target.querySelector('input, select, textarea');
		if (input) {
			ev.preventDefault();
			target.scrollIntoView({ block: 'center' });
			input.focus();
		}
	});
}());

/* Fill the empty datalists of the case form (names of countries, languages, places)
 * from their cached lists; without this the inputs still take names typed in full. */
(function () {
	'use strict';
	var lists = document.querySelectorAll('datalist[data-src]');
	Array.prototype.forEach.call(lists, function (dl) {
		fetch(dl.getAttribute('data-src'), { credentials: 'same-origin' })
		    .then(function (r) { return r.ok ? r.json() : []; })
		    .then(function (names) {
			var frag = document.createDocumentFragment();
			names.forEach(function (n) {
				var o = document.createElement('option');
				o.value = n;
				frag.appendChild(o);
			});
			dl.appendChild(frag);
		    })
		    .catch(function () { /* typing the full name still works */ });
	});
}());
