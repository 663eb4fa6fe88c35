import { describe, expect, it } from 'vitest';
import { malformedPlaceholder, MAX_RENDERED, renderTemplate, unknownPlaceholders } from '../../src/shared/template.ts';

describe('message templates', () => {
  const data = { policy: { name: 'HK to SG', id: 'hk-sg' }, run: { id: 4, dry: false }, $value: '612.3' };

  it('fills roots and dotted fields, with or without spaces, and $-roots as Prometheus writes them', () => {
    expect(renderTemplate('{{ policy.name }}/{{policy.id}} run {{ run.id }} {{ run.dry }} {{ $value }}', data)).toBe(
      'HK to SG/hk-sg run 4 false 612.3',
    );
  });

  it('renders a missing field or an object as nothing, and leaves an unknown root as written', () => {
    expect(renderTemplate('[{{ policy.owner }}][{{ policy }}][{{ nope.x }}][{{ .Foo }}]', data)).toBe(
      '[][][{{ nope.x }}][{{ .Foo }}]',
    );
  });

  it('reads only the data it was given: no prototype, constructor or code', () => {
    expect(renderTemplate('{{ policy.constructor }}{{ policy.__proto__ }}{{ toString }}', data)).toBe('{{ toString }}');
    expect(renderTemplate('{{ policy.name + 1 }}{{ process.env }}', data)).toBe(
      '{{ policy.name + 1 }}{{ process.env }}',
    );
  });

  it('caps what it renders', () => {
    const long = renderTemplate('{{ policy.name }}'.repeat(1_000), data);
    expect(long).toHaveLength(MAX_RENDERED);
    expect(long.endsWith('…')).toBe(true);
  });

  it('names the placeholders a set of fields does not know, and malformed ones', () => {
    const fields = { policy: ['name'], $value: null };
    expect(
      unknownPlaceholders('{{ policy.name }} {{ $value }} {{ policy.nme }} {{ run.id }} {{ $value.x }}', fields),
    ).toEqual(['policy.nme', 'run.id', '$value.x']);
    expect(malformedPlaceholder('ok {{ policy.name }} then {{ policy name }}')).toBe('{{ policy name }}');
    expect(malformedPlaceholder('unclosed {{ policy.name')).toBe('{{');
    expect(malformedPlaceholder('fine {{ policy.name }}')).toBeNull();
  });
});
