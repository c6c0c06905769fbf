import type { ConnectionProfile, SslSettings } from '../profile';

/** The TLS settings the connection wizard asks for; everything else in an entry it must leave alone. */
export const WIZARD_SSL_FIELDS = ['mode', 'ca', 'caSource', 'cert', 'key'] as const satisfies readonly (keyof SslSettings)[];

type EditedProfile = Omit<ConnectionProfile, 'id'> & { name: string };

/**
 * An edit through the wizard must not lose what the wizard does not ask about (kind, readOnly, timeouts,
 * TLS versions, ciphers, servername, a CA preset, a PKCS#12 bundle, and fields added later): start from the
 * stored entry and let the answers win.
 * - A PKCS#12 bundle is the client certificate: it stays only when the edit chose no PEM certificate/key.
 * - A CA preset names where the CA came from: it stays only while the CA setting is unchanged.
 */
export function keepUnaskedSettings(initial: ConnectionProfile | undefined, edited: EditedProfile): EditedProfile {
  if (!initial) return edited;
  const { id: _id, name: _name, host: _host, port: _port, user: _user, database: _database, ssl: initialSsl = {}, ...unasked } = initial;
  const kept: SslSettings = { ...initialSsl };
  for (const field of WIZARD_SSL_FIELDS) delete kept[field];
  const editedSsl = edited.ssl ?? {};
  if (editedSsl.cert || editedSsl.key) delete kept.pfx;
  if (editedSsl.ca !== initialSsl.ca || editedSsl.caSource !== initialSsl.caSource) delete kept.caPreset;
  return { ...unasked, ...edited, ssl: { ...kept, ...editedSsl } };
}
