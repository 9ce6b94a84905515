package epicoauth

// Version is the version of this library. It is part of [DefaultUserAgent].
const Version = "0.1.0"

// DefaultUserAgent is the User-Agent header sent on every request to Epic
// unless a Config's UserAgent overrides it.
const DefaultUserAgent = "epicoauth-go/" + Version + " (+https://github.com/epicoauth/epicoauth)"
