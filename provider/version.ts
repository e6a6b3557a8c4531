/** The provider's version; the build writes the binary under this version in the filesystem mirror. */
export const PROVIDER_VERSION = '0.1.0';
/** Registry address users write in required_providers. */
export const PROVIDER_SOURCE = 'common-fate/commonfate';
export const PROVIDER_NAME = 'commonfate';
