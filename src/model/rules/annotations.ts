// Rules of what the chart adds to every object: commonAnnotations within the API server's limit.
// Go twin: fineract-netpol.validate.values (chart/templates/_validate.tpl).
import { ANNOTATIONS_SIZE_LIMIT, annotationsSize } from '../patterns.ts';
import { defineRule } from './rule.ts';

export const annotationsSizeLimit = defineRule({
  id: 'annotations-size',
  summary: "commonAnnotations, which go on every object, are above the API server's 256 KiB limit.",
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message: `%{size:d} bytes of keys and values, above the ${ANNOTATIONS_SIZE_LIMIT} (256 KiB) the API server allows for an object's annotations`,
      fix: 'shorten them: link to a document instead of embedding it',
    },
  },
  check(view) {
    const annotations = view.section('commonAnnotations');
    if (!annotations) return [];
    const size = annotationsSize(annotations);
    return size > ANNOTATIONS_SIZE_LIMIT ? [this.problem(['commonAnnotations'], { size })] : [];
  },
});
