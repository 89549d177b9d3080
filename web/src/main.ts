// The app's entry: mounts the Svelte app on the page.
import { mount } from 'svelte';
import App from './app/App.svelte';
import './app/app.css';

mount(App, { target: document.getElementById('app')! });
