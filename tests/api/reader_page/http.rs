//! The reader page over plain HTTP: what the server writes into `/` and `/book/{id}`, its
//! files, and the API it uses.
